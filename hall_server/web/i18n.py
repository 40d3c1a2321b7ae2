"""Page text in Vietnamese (default) and English. Keys are English; text is NFC.

Templates call ``t("key")``; JavaScript gets the same table as ``window.MOTCUA.text``.
Error codes from the API map to citizen- and officer-facing messages here too.
"""

from __future__ import annotations

import unicodedata

LANGS = ("vi", "en")

TEXT: dict[str, dict[str, str]] = {
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
    "system_unavailable": {"vi": "Hệ thống tạm thời gián đoạn. Vui lòng chờ trong giây lát.",
                           "en": "The system is temporarily unavailable. Please wait a moment."},
    "ticket_not_found": {"vi": "Không tìm thấy phiếu này.", "en": "Ticket not found."},
    "go_to_counter": {"vi": "Mời đến quầy số", "en": "Please go to counter"},
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
}

for _key, _pair in TEXT.items():
    for _lang, _text in _pair.items():
        assert unicodedata.is_normalized("NFC", _text), _key


def translate(key: str, lang: str) -> str:
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair.get(lang) or pair["vi"]


def table(lang: str) -> dict[str, str]:
    return {key: translate(key, lang) for key in TEXT}
