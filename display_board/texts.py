"""What the wall board says, in Vietnamese (the default) and English.

One table, :data:`TEXT`, in the same format as the web pages' table
(``hall_server/web/i18n.py``): ``key -> {"vi": ..., "en": ...}``, weekdays included
(``weekday_0`` is Monday). A key the pages also have has the same wording there (the tests
compare both tables, and the weekdays with the reports'); it is repeated here so the Pi
imports nothing of the server::

    >>> from datetime import datetime
    >>> text("vi", "invite"), text("en", "invite")
    ('Xin mời số', 'Number')
    >>> date_line("vi", datetime(2026, 11, 26, 8, 5))
    'Thứ Năm, 26/11/2026'
    >>> date_line("en", datetime(2026, 11, 29, 8, 5))
    'Sunday 29/11/2026'
    >>> date_line("vi", datetime(2026, 11, 29, 8, 5))
    'Chủ nhật, 29/11/2026'

All strings are NFC.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

__all__ = ["LANGS", "TEXT", "text", "date_line", "clock_line"]

LANGS = ("vi", "en")

TEXT: dict[str, dict[str, str]] = {
    "invite": {"vi": "Xin mời số", "en": "Number"},
    "to_counter": {"vi": "đến quầy số", "en": "please go to counter"},
    "recalled": {"vi": "Gọi lại", "en": "Called again"},
    "no_calls_yet": {"vi": "Chưa gọi số nào.", "en": "No number called yet."},
    "recent_calls": {"vi": "Số vừa gọi", "en": "Recent calls"},
    "waiting_by_field": {"vi": "Số người đang chờ", "en": "People waiting"},
    "counters_now": {"vi": "Các quầy đang làm việc", "en": "Counters at work"},
    "no_open_counter": {"vi": "Hiện chưa có quầy nào mở.", "en": "No counter is open yet."},
    "counter_no": {"vi": "Quầy số", "en": "Counter"},
    "no_officer": {"vi": "Chưa có cán bộ", "en": "No officer"},
    "paused": {"vi": "Tạm nghỉ", "en": "Paused"},
    "offline": {"vi": "Mất kết nối máy chủ – đang kết nối lại…", "en": "Server connection lost – reconnecting…"},
    "connecting": {"vi": "Đang kết nối máy chủ…", "en": "Connecting to the server…"},
    "refused": {"vi": "Máy chủ từ chối mã thiết bị – kiểm tra token trong cấu hình",
                "en": "The server refused the device token – check the configuration"},
    "unreachable": {"vi": "Không liên lạc được với", "en": "Cannot reach"},
    "phone": {"vi": "Điện thoại", "en": "Phone"},
    "weekday_0": {"vi": "Thứ Hai", "en": "Monday"},
    "weekday_1": {"vi": "Thứ Ba", "en": "Tuesday"},
    "weekday_2": {"vi": "Thứ Tư", "en": "Wednesday"},
    "weekday_3": {"vi": "Thứ Năm", "en": "Thursday"},
    "weekday_4": {"vi": "Thứ Sáu", "en": "Friday"},
    "weekday_5": {"vi": "Thứ Bảy", "en": "Saturday"},
    "weekday_6": {"vi": "Chủ nhật", "en": "Sunday"},
}

for _entry in TEXT.values():
    for _lang, _value in _entry.items():
        assert unicodedata.is_normalized("NFC", _value), _value


def text(lang: str, key: str) -> str:
    """The board text ``key`` in ``lang`` (Vietnamese if ``lang`` is unknown)."""
    entry = TEXT[key]
    return entry.get(lang) or entry["vi"]


def date_line(lang: str, now: datetime) -> str:
    """Weekday and date, e.g. ``"Thứ Năm, 26/11/2026"``."""
    day = text(lang, f"weekday_{now.weekday()}")
    sep = ", " if lang != "en" else " "
    return f"{day}{sep}{now.day:02d}/{now.month:02d}/{now.year}"


def clock_line(now: datetime) -> str:
    """Hours and minutes, 24-hour clock: ``"08:05"``."""
    return f"{now.hour:02d}:{now.minute:02d}"
