"""Words of the reports in Vietnamese (first) and English: column headers, breakdowns, periods.

    >>> header("wait_mean", "vi")
    'Chờ trung bình (phút)'
    >>> weekday_name(0, "en")
    'Monday'

All text is NFC (checked on import), so Excel, LibreOffice and the browser show the same letters.
"""

from __future__ import annotations

import unicodedata

LANGS = ("vi", "en")

# Report columns, in the order exports show them. The first column is the breakdown's own name.
COLUMNS: dict[str, tuple[str, str]] = {
    "issued": ("Số phiếu đã cấp", "Tickets issued"),
    "served": ("Đã phục vụ", "Served"),
    "no_shows": ("Vắng mặt", "No-shows"),
    "transfers": ("Chuyển", "Transferred"),
    "cancelled": ("Hủy", "Cancelled"),
    "expired": ("Hết hạn", "Expired"),
    "wait_mean": ("Chờ trung bình (phút)", "Mean wait (min)"),
    "wait_median": ("Chờ trung vị (phút)", "Median wait (min)"),
    "wait_p90": ("Chờ P90 (phút)", "90th percentile wait (min)"),
    "service_level": ("Tỷ lệ đúng hẹn", "Service level"),
    "service_mean": ("Phục vụ trung bình (phút)", "Mean service (min)"),
    "service_median": ("Phục vụ trung vị (phút)", "Median service (min)"),
}

BREAKDOWNS: dict[str, tuple[str, str]] = {
    "field": ("Lĩnh vực", "Field"),
    "counter": ("Quầy", "Counter"),
    "officer": ("Cán bộ", "Officer"),
    "hour": ("Giờ trong ngày", "Hour of day"),
    "weekday": ("Thứ trong tuần", "Day of week"),
}

PERIOD_KINDS: dict[str, tuple[str, str]] = {
    "day": ("Ngày", "Day"),
    "month": ("Tháng", "Month"),
    "quarter": ("Quý", "Quarter"),
    "year": ("Năm", "Year"),
}

WEEKDAYS = (
    ("Thứ Hai", "Monday"), ("Thứ Ba", "Tuesday"), ("Thứ Tư", "Wednesday"), ("Thứ Năm", "Thursday"),
    ("Thứ Sáu", "Friday"), ("Thứ Bảy", "Saturday"), ("Chủ nhật", "Sunday"),
)
WEEKDAYS_SHORT = (("T2", "Mon"), ("T3", "Tue"), ("T4", "Wed"), ("T5", "Thu"), ("T6", "Fri"), ("T7", "Sat"),
                  ("CN", "Sun"))

WORDS: dict[str, tuple[str, str]] = {
    "total": ("Tổng cộng", "Total"),
    "period": ("Kỳ báo cáo", "Period"),
    "report_title": ("Báo cáo hoạt động tiếp nhận", "Service report"),
    "counter_n": ("Quầy {n}", "Counter {n}"),
    "no_data": ("Không có số liệu trong kỳ này.", "No data in this period."),
    "generated": ("Lập lúc", "Generated"),
    "target": ("Mục tiêu chờ", "Wait target"),
    "minutes": ("phút", "min"),
    "by": ("Theo", "By"),
    "centre": ("Đơn vị", "Centre"),
    # charts
    "chart_arrivals": ("Số phiếu đã cấp theo giờ và thứ trong tuần", "Tickets issued by hour and day of week"),
    "chart_waits": ("Thời gian chờ theo lĩnh vực (phút)", "Waiting time by field (minutes)"),
    "chart_service_level": ("Tỷ lệ công dân được gọi trong {target} phút", "Share called within {target} minutes"),
    "axis_hour": ("Giờ", "Hour"),
    "axis_wait": ("Phút chờ", "Minutes waited"),
    "axis_share": ("Tỷ lệ đúng hẹn", "Service level"),
    "axis_tickets": ("Số phiếu", "Tickets"),
    "legend_target": ("Mục tiêu {target} phút", "Target {target} min"),
    "legend_median": ("Trung vị", "Median"),
    "legend_tickets": ("Số phiếu (cột)", "Tickets (bars)"),
}

for _table in (COLUMNS, BREAKDOWNS, PERIOD_KINDS, WORDS):
    for _key, _pair in _table.items():
        assert all(unicodedata.is_normalized("NFC", s) for s in _pair), _key


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def header(column: str, lang: str = "vi") -> str:
    """The heading of a report column (see :data:`COLUMNS`)."""
    return _pick(COLUMNS[column], lang)


def breakdown_name(by: str, lang: str = "vi") -> str:
    return _pick(BREAKDOWNS[by], lang)


def word(key: str, lang: str = "vi", **fmt) -> str:
    text = _pick(WORDS[key], lang)
    return text.format(**fmt) if fmt else text


def weekday_name(weekday: int, lang: str = "vi", short: bool = False) -> str:
    """Monday is 0, as in :meth:`datetime.date.weekday`."""
    return _pick((WEEKDAYS_SHORT if short else WEEKDAYS)[weekday], lang)


def hour_label(hour: int) -> str:
    return f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"
