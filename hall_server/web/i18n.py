"""Page text in Vietnamese (default) and English. Keys are English; text is NFC.

Templates call ``t("key")``; JavaScript gets the same table as ``window.MOTCUA.text``.
Error codes from the API map to citizen- and officer-facing messages here too.

Every text table of the web pages has one format, ``key -> {"vi": ..., "en": ...}`` (:data:`Table`):
this module's :data:`TEXT` and the features' own (``hall_server/web/citizen/texts.py``,
``hall_server/web/supervisor/texts.py``). A feature's page also gets this table, so a key means
the same everywhere (tests/test_texts.py). The helpers work on any table::

    >>> hello = checked({"hello": {"vi": "Xin chào {name}", "en": "Hello {name}"}})
    >>> lookup(hello, "hello", "vi", name="An"), flat(hello, "en")
    ('Xin chào An', {'hello': 'Hello {name}'})
    >>> merge(hello, {"hello": {"vi": "Chào {name}", "en": "Hi {name}"}})
    Traceback (most recent call last):
    ...
    ValueError: text 'hello' defined twice, differently
"""

from __future__ import annotations

import unicodedata

LANGS = ("vi", "en")

#: key -> {"vi": ..., "en": ...}
Table = dict[str, dict[str, str]]


def checked(table: Table) -> Table:
    """``table`` itself, once every key is known to have exactly both languages, non-empty and NFC."""
    for key, entry in table.items():
        if not isinstance(entry, dict) or set(entry) != set(LANGS):
            raise ValueError(f"text {key!r} must be {{'vi': ..., 'en': ...}}, not {entry!r}")
        for lang, value in entry.items():
            if not isinstance(value, str) or not value or not unicodedata.is_normalized("NFC", value):
                raise ValueError(f"text {key!r} in {lang!r} must be a non-empty NFC string")
    return table


def lookup(table: Table, key: str, lang: str | None = None, **fmt) -> str:
    """``key`` in ``lang`` (the request's language if ``None``; Vietnamese for a language the table
    lacks), formatted with ``fmt`` if given; the key itself if the table lacks it."""
    if lang is None:
        from flask import g

        lang = getattr(g, "lang", "vi")
    entry = table.get(key)
    if entry is None:
        return key
    value = entry.get(lang) or entry["vi"]
    return value.format(**fmt) if fmt else value


def flat(table: Table, lang: str) -> dict[str, str]:
    """One language of ``table``, key -> text: what a page's JavaScript gets."""
    return {key: lookup(table, key, lang) for key in table}


def merge(*tables: Table) -> Table:
    """One table from several; a key defined in two of them with different text is a :class:`ValueError`."""
    out: Table = {}
    for table in tables:
        for key, entry in table.items():
            if key in out and out[key] != entry:
                raise ValueError(f"text {key!r} defined twice, differently")
            out[key] = entry
    return out


TEXT: Table = {
    "app_name": {"vi": "Hệ thống xếp hàng Một cửa", "en": "One-stop queue system"},
    "kiosk": {"vi": "Lấy số thứ tự", "en": "Take a number"},
    "counter": {"vi": "Quầy giao dịch", "en": "Counter terminal"},
    "display": {"vi": "Màn hình phòng chờ", "en": "Waiting-room display"},
    "supervisor": {"vi": "Giám sát", "en": "Supervisor"},
    "login": {"vi": "Đăng nhập", "en": "Log in"},
    "logout": {"vi": "Đăng xuất", "en": "Log out"},
    "username": {"vi": "Tên đăng nhập", "en": "Username"},
    "password": {"vi": "Mật khẩu", "en": "Password"},
    "bad_login": {"vi": "Sai tên đăng nhập hoặc mật khẩu.", "en": "Wrong username or password."},
    "choose_field": {"vi": "Chọn lĩnh vực cần giải quyết", "en": "Choose the service you need"},
    "priority": {"vi": "Đối tượng ưu tiên", "en": "Priority"},
    "no_priority": {"vi": "Không ưu tiên", "en": "No priority"},
    "your_number": {"vi": "Số thứ tự của bạn", "en": "Your number"},
    "people_ahead": {"vi": "Số người chờ trước bạn", "en": "People ahead of you"},
    "estimated_wait": {"vi": "Thời gian chờ dự kiến", "en": "Estimated wait"},
    "minutes": {"vi": "phút", "en": "min"},
    "please_wait": {"vi": "Vui lòng chờ đến lượt. Xin cảm ơn!", "en": "Please wait for your turn. Thank you!"},
    "now_serving": {"vi": "Đang phục vụ", "en": "Now serving"},
    "invite": {"vi": "Xin mời số", "en": "Number"},
    "to_counter": {"vi": "đến quầy số", "en": "please go to counter"},
    "waiting": {"vi": "Đang chờ", "en": "Waiting"},
    "called": {"vi": "Đã gọi", "en": "Called"},
    "serving": {"vi": "Đang phục vụ", "en": "Being served"},
    "done": {"vi": "Đã xong", "en": "Done"},
    "no_show": {"vi": "Vắng mặt", "en": "No-show"},
    "cancelled": {"vi": "Đã hủy", "en": "Cancelled"},
    "expired": {"vi": "Hết hạn", "en": "Expired"},
    "open": {"vi": "Đang mở", "en": "Open"},
    "closed": {"vi": "Đóng", "en": "Closed"},
    "paused": {"vi": "Tạm nghỉ", "en": "Paused"},
    "call_next": {"vi": "Gọi số tiếp theo", "en": "Call next"},
    "recall": {"vi": "Gọi lại", "en": "Recall"},
    "start": {"vi": "Bắt đầu", "en": "Start"},
    "finish": {"vi": "Hoàn thành", "en": "Finish"},
    "mark_no_show": {"vi": "Vắng mặt", "en": "No-show"},
    "transfer": {"vi": "Chuyển lĩnh vực", "en": "Transfer"},
    "pause": {"vi": "Tạm nghỉ", "en": "Pause"},
    "resume": {"vi": "Tiếp tục", "en": "Resume"},
    "offline": {"vi": "Mất kết nối máy chủ – đang kết nối lại…", "en": "Server connection lost – reconnecting…"},
    "overloaded": {"vi": "Hệ thống đang quá tải, vui lòng thử lại sau",
                   "en": "The system is overloaded, please try again later"},
    "system_unavailable": {"vi": "Hệ thống tạm thời gián đoạn. Vui lòng chờ trong giây lát.",
                           "en": "The system is temporarily unavailable. Please wait a moment."},
    "ticket_not_found": {"vi": "Không tìm thấy phiếu này.", "en": "Ticket not found."},
    "go_to_counter": {"vi": "Mời đến quầy số", "en": "Please go to counter"},
    "supervisor_desc": {"vi": "Theo dõi sảnh, điều chuyển cán bộ, cảnh báo, báo cáo",
                        "en": "Live hall, moving officers, alerts, reports"},
    "have_booking": {"vi": "Tôi có lịch hẹn", "en": "I have a booking"},
    "call_number": {"vi": "Gọi số", "en": "Call number"},
    "type_a_number_first": {"vi": "Nhập số thứ tự cần gọi, ví dụ A023.", "en": "Type the number to call, e.g. A023."},
    "printer_problem_note": {"vi": "Số thứ tự của bạn vẫn hiện trên màn hình, vui lòng ghi nhớ số.",
                             "en": "Your number is still shown on screen; please note it down."},
    # API error codes
    "err_nothing_waiting": {"vi": "Không có công dân nào đang chờ.", "en": "Nobody is waiting."},
    "err_counter_busy": {"vi": "Quầy đang có công dân: hãy hoàn thành hoặc đánh dấu vắng mặt trước.",
                         "en": "The counter still has a citizen: finish or mark no-show first."},
    "err_counter_closed": {"vi": "Quầy đang đóng.", "en": "The counter is closed."},
    "err_counter_paused": {"vi": "Quầy đang tạm nghỉ.", "en": "The counter is paused."},
    "err_no_officer": {"vi": "Quầy chưa có cán bộ.", "en": "The counter has no officer."},
    "err_invalid_transition": {"vi": "Thao tác không hợp lệ ở trạng thái hiện tại.",
                               "en": "Not possible in the current state."},
    "err_not_found": {"vi": "Không tìm thấy.", "en": "Not found."},
    "err_rate_limited": {"vi": "Bạn thao tác quá nhanh, vui lòng thử lại sau ít phút.",
                         "en": "Too many requests; please try again in a few minutes."},
    "err_forbidden": {"vi": "Bạn không có quyền thực hiện thao tác này.", "en": "You may not do this."},
    "err_unauthorized": {"vi": "Vui lòng đăng nhập.", "en": "Please log in."},
    "err_server": {"vi": "Có lỗi hệ thống, vui lòng thử lại.", "en": "System error, please try again."},
    # Pages (added with the web pages)
    "lang_vi": {"vi": "Tiếng Việt", "en": "Tiếng Việt"},
    "lang_en": {"vi": "English", "en": "English"},
    "address": {"vi": "Địa chỉ", "en": "Address"},
    "phone": {"vi": "Điện thoại", "en": "Phone"},
    "counters_officers": {"vi": "Các quầy và cán bộ tiếp nhận", "en": "Counters and receiving officers"},
    "officer": {"vi": "Cán bộ", "en": "Officer"},
    "no_officer": {"vi": "Chưa có cán bộ", "en": "No officer"},
    "fields_served": {"vi": "Lĩnh vực", "en": "Services"},
    "status": {"vi": "Trạng thái", "en": "Status"},
    "kiosk_desc": {"vi": "Màn hình cảm ứng cho công dân lấy số.", "en": "Touch screen where citizens take a number."},
    "counter_desc": {"vi": "Dành cho cán bộ tại quầy (cần đăng nhập).",
                     "en": "For officers at their counter (log in)."},
    "display_desc": {"vi": "Bảng gọi số trong phòng chờ.", "en": "Call board for the waiting room."},
    "login_desc": {"vi": "Cán bộ, giám sát, quản trị.", "en": "Officers, supervisors, administrators."},
    "kiosk_hint": {"vi": "Chạm vào lĩnh vực cần giải quyết để lấy số thứ tự.",
                   "en": "Tap the service you need to take a number."},
    "priority_hint": {"vi": "Nếu thuộc đối tượng ưu tiên, chọn trước khi lấy số:",
                      "en": "If you have priority, choose it before taking a number:"},
    "issuing": {"vi": "Đang lấy số…", "en": "Taking a number…"},
    "about": {"vi": "khoảng", "en": "about"},
    "tap_to_close": {"vi": "Chạm để đóng", "en": "Tap to close"},
    "counter_no": {"vi": "Quầy số", "en": "Counter"},
    "current_ticket": {"vi": "Số hiện tại", "en": "Current ticket"},
    "no_current": {"vi": "Chưa có công dân tại quầy", "en": "No citizen at the counter"},
    "waiting_here": {"vi": "Đang chờ tại quầy này", "en": "Waiting for this counter"},
    "next_up": {"vi": "Tiếp theo", "en": "Next"},
    "people": {"vi": "người", "en": "people"},
    "choose_target_field": {"vi": "— Chọn lĩnh vực chuyển đến —", "en": "— Choose a service —"},
    "pick_field_first": {"vi": "Hãy chọn lĩnh vực cần chuyển đến trước.",
                         "en": "Choose the service to transfer to first."},
    "open_counter": {"vi": "Mở quầy", "en": "Open counter"},
    "close_counter": {"vi": "Đóng quầy", "en": "Close counter"},
    "no_seat": {"vi": "Tài khoản của bạn chưa được xếp ngồi quầy nào. Vui lòng liên hệ cán bộ giám sát.",
                "en": "Your account is not seated at any counter. Please contact the supervisor."},
    "unknown_counter": {"vi": "Không có quầy này.", "en": "There is no such counter."},
    "not_your_counter": {"vi": "Bạn không còn được xếp ở quầy này. Hãy tải lại trang.",
                         "en": "You are no longer seated at this counter. Please reload the page."},
    "choose_counter": {"vi": "Chọn quầy", "en": "Choose a counter"},
    "pending_fields": {"vi": "Lĩnh vực mới áp dụng từ lượt gọi sau", "en": "New services apply from the next call"},
    "signed_in_as": {"vi": "Đăng nhập:", "en": "Signed in as"},
    "recent_calls": {"vi": "Số vừa gọi", "en": "Recent calls"},
    "waiting_by_field": {"vi": "Số người đang chờ", "en": "People waiting"},
    "counters_now": {"vi": "Các quầy đang làm việc", "en": "Counters at work"},
    "no_open_counter": {"vi": "Hiện chưa có quầy nào mở.", "en": "No counter is open yet."},
    "no_calls_yet": {"vi": "Chưa gọi số nào.", "en": "No number called yet."},
    "recalled": {"vi": "Gọi lại", "en": "Called again"},
    "your_ticket": {"vi": "Phiếu của bạn", "en": "Your ticket"},
    "field": {"vi": "Lĩnh vực", "en": "Service"},
    "issued_at": {"vi": "Lấy số lúc", "en": "Taken at"},
    "serving_at_counter": {"vi": "Đang được phục vụ tại quầy số", "en": "Being served at counter"},
    "done_thanks": {"vi": "Đã hoàn thành. Cảm ơn bạn!", "en": "Finished. Thank you!"},
    "no_show_text": {"vi": "Bạn đã được gọi nhưng không có mặt. Vui lòng liên hệ quầy hướng dẫn.",
                     "en": "You were called but were not there. Please ask at the information desk."},
    "keep_open": {"vi": "Giữ trang này mở: trang tự cập nhật khi đến lượt bạn.",
                  "en": "Keep this page open: it updates by itself when it is your turn."},
    "enable_vibrate": {"vi": "Chạm vào đây để điện thoại rung khi đến lượt",
                       "en": "Tap here so your phone vibrates when it is your turn"},
    "login_title": {"vi": "Đăng nhập dành cho cán bộ", "en": "Staff log in"},
    "priority_label": {"vi": "Ưu tiên", "en": "Priority"},
    "kiosk_not_set_up": {"vi": "Máy lấy số chưa được cài đặt đúng. Vui lòng báo cán bộ hướng dẫn.",
                         "en": "This kiosk is not set up correctly. Please tell a staff member."},
    "err_network": {"vi": "Hệ thống tạm thời gián đoạn. Vui lòng chờ trong giây lát.",
                    "en": "The system is temporarily unavailable. Please wait a moment."},
    "err_server_error": {"vi": "Có lỗi hệ thống, vui lòng thử lại.", "en": "System error, please try again."},
    "err_officer_busy": {"vi": "Cán bộ đang phục vụ công dân ở quầy khác.",
                         "en": "The officer is still serving a citizen at another counter."},
    "err_invalid_command": {"vi": "Yêu cầu không hợp lệ.", "en": "Invalid request."},
    "err_invalid_body": {"vi": "Yêu cầu không hợp lệ.", "en": "Invalid request."},
    "err_bad_json": {"vi": "Yêu cầu không hợp lệ.", "en": "Invalid request."},
    "err_invalid_header": {"vi": "Yêu cầu không hợp lệ.", "en": "Invalid request."},
    "err_invalid_query": {"vi": "Yêu cầu không hợp lệ.", "en": "Invalid request."},
    "err_method_not_allowed": {"vi": "Yêu cầu không hợp lệ.", "en": "Invalid request."},
    "err_too_large": {"vi": "Yêu cầu quá lớn.", "en": "The request is too large."},
    "err_domain_error": {"vi": "Thao tác không thực hiện được.", "en": "This cannot be done."},
    "err_bad_login": {"vi": "Sai tên đăng nhập hoặc mật khẩu.", "en": "Wrong username or password."},
    # weekdays (weekday_0 is Monday), as the reports and the wall board spell them
    "weekday_0": {"vi": "Thứ Hai", "en": "Monday"},
    "weekday_1": {"vi": "Thứ Ba", "en": "Tuesday"},
    "weekday_2": {"vi": "Thứ Tư", "en": "Wednesday"},
    "weekday_3": {"vi": "Thứ Năm", "en": "Thursday"},
    "weekday_4": {"vi": "Thứ Sáu", "en": "Friday"},
    "weekday_5": {"vi": "Thứ Bảy", "en": "Saturday"},
    "weekday_6": {"vi": "Chủ nhật", "en": "Sunday"},
}

checked(TEXT)


def translate(key: str, lang: str) -> str:
    return lookup(TEXT, key, lang)


def table(lang: str) -> dict[str, str]:
    return flat(TEXT, lang)
