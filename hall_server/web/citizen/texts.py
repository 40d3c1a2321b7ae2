"""The citizen pages' text in Vietnamese and English (the rating tablet, booking, check-in, the
staff's booking list, the notification form) and the error messages their JavaScript shows
(``err_<code>``)."""

from __future__ import annotations

from flask import g

from ...citizen import rating as rt
from ..i18n import Texts

# ---------------------------------------------------------------------- page text (Vietnamese, English)
TEXT: dict[str, tuple[str, str]] = {
    # rating tablet
    "rating_title": ("Đánh giá mức độ hài lòng", "Rate our service"),
    "rating_question": ("Ông/Bà đánh giá thế nào về lượt phục vụ vừa rồi?", "How was the service you just received?"),
    "rating_ticket": ("Số thứ tự", "Ticket"),
    "reasons_question": ("Xin cho biết lý do (có thể chọn nhiều):", "Please tell us why (choose any):"),
    "send_rating": ("Gửi đánh giá", "Send"),
    "skip_reasons": ("Gửi không kèm lý do", "Send without a reason"),
    "rating_thanks": ("Cảm ơn Ông/Bà đã đánh giá!", "Thank you for your rating!"),
    "rating_idle": ("Xin chào! Sau khi được phục vụ, mời Ông/Bà đánh giá tại đây.",
                    "Hello! After you are served, please rate us here."),
    "rating_not_set_up": ("Thiết bị đánh giá chưa được cài đặt đúng. Vui lòng báo cán bộ.",
                          "This rating device is not set up correctly. Please tell a staff member."),
    "rating_disabled": ("Trung tâm không lấy ý kiến đánh giá tại quầy.", "This centre does not take ratings."),
    # booking
    "booking_title": ("Đặt lịch hẹn", "Book an appointment"),
    "booking_intro": ("Chọn lĩnh vực, ngày và khung giờ. Khi đến Trung tâm, nhập hoặc quét mã lịch hẹn tại máy "
                      "lấy số để nhận số thứ tự: số theo lịch hẹn được gọi trước người đến sau.",
                      "Choose a service, a day and a time. At the centre, type or scan your booking code at the "
                      "ticket kiosk to get a number that is called ahead of walk-ins."),
    "b_field": ("Lĩnh vực", "Service"),
    "b_day": ("Ngày", "Day"),
    "b_slot": ("Khung giờ", "Time"),
    "b_name": ("Họ và tên", "Full name"),
    "b_phone": ("Số điện thoại di động", "Mobile phone"),
    "b_phone_hint": ("Ví dụ 0912 345 678", "For example 0912 345 678"),
    "b_submit": ("Đặt lịch", "Book"),
    "b_choose_field": ("— Chọn lĩnh vực —", "— Choose a service —"),
    "b_choose_slot": ("Hãy chọn một khung giờ.", "Choose a time."),
    "b_left": ("còn {n} chỗ", "{n} left"),
    "b_full": ("hết chỗ", "full"),
    "b_no_slots": ("Ngày này không còn khung giờ trống.", "No free time on this day."),
    "b_no_days": ("Hiện không còn ngày nào nhận đặt lịch.", "No day is open for booking now."),
    "b_disabled": ("Trung tâm hiện không nhận đặt lịch hẹn trực tuyến.", "This centre does not take online bookings."),
    "b_done": ("Đặt lịch thành công", "Your appointment is booked"),
    "b_your_code": ("Mã lịch hẹn của bạn", "Your booking code"),
    "b_keep_code": ("Hãy lưu mã này (chụp màn hình). Khi đến, nhập mã hoặc quét mã QR tại máy lấy số.",
                    "Keep this code (take a screenshot). At the centre, type it or scan the QR code at the kiosk."),
    "b_when": ("Thời gian", "When"),
    "b_checkin_from": ("Nhận số tại máy từ {from} đến {to}", "Check in at the kiosk from {from} to {to}"),
    "b_status": ("Trạng thái", "Status"),
    "b_cancel": ("Hủy lịch hẹn", "Cancel the booking"),
    "b_confirm_cancel": ("Bấm lần nữa để hủy", "Click again to cancel"),
    "b_cancelled": ("Đã hủy lịch hẹn. Chỗ của bạn đã được nhường cho người khác.",
                    "The booking is cancelled; your place is free for someone else."),
    "b_find": ("Tra cứu lịch hẹn", "Find a booking"),
    "b_code": ("Mã lịch hẹn", "Booking code"),
    "b_look_up": ("Tra cứu", "Look up"),
    "b_new": ("Đặt lịch hẹn khác", "Book another"),
    "b_ticket": ("Số thứ tự đã nhận", "Ticket received"),
    "b_track": ("Theo dõi số thứ tự", "Follow your ticket"),
    "st_booked": ("Đã đặt", "Booked"),
    "st_checked_in": ("Đã nhận số", "Checked in"),
    "st_cancelled": ("Đã hủy", "Cancelled"),
    "st_no_show": ("Vắng mặt", "No-show"),
    # check-in kiosk
    "checkin_title": ("Nhận số theo lịch hẹn", "Check in with your booking"),
    "checkin_hint": ("Nhập mã lịch hẹn (8 ký tự) hoặc quét mã QR vào máy đọc:",
                     "Type your booking code (8 characters) or scan its QR code:"),
    "checkin_submit": ("Nhận số", "Get my number"),
    "checkin_bad_code": ("Mã lịch hẹn gồm 8 ký tự chữ và số, ví dụ K7MQ-2XRA.",
                         "A booking code has 8 letters and digits, e.g. K7MQ-2XRA."),
    "checkin_walk_in": ("Lấy số thường", "Take a normal ticket"),
    # supervisor list
    "bookings_title": ("Lịch hẹn trong ngày", "Bookings of the day"),
    "col_time": ("Giờ", "Time"),
    "col_field": ("Lĩnh vực", "Service"),
    "col_code": ("Mã", "Code"),
    "col_name": ("Họ tên", "Name"),
    "col_phone": ("Điện thoại", "Phone"),
    "col_status": ("Trạng thái", "Status"),
    "col_ticket": ("Số thứ tự", "Ticket"),
    "mark_no_show": ("Ghi vắng mặt", "Mark no-show"),
    "no_bookings": ("Không có lịch hẹn nào trong ngày này.", "No bookings on this day."),
    "show_day": ("Xem", "Show"),
    "bookings_only_staff": ("Trang này chỉ dành cho cán bộ.", "This page is for staff only."),
    # notifications on the tracking page
    "notify_title": ("Nhận tin nhắn khi sắp đến lượt", "Get a message when your turn is near"),
    "notify_hint": ("Chúng tôi nhắn tin khi còn {n} người trước bạn và khi gọi số của bạn.",
                    "We send a message when {n} people are ahead of you and when your number is called."),
    "notify_hint_call": ("Chúng tôi nhắn tin khi gọi số của bạn.", "We send a message when your number is called."),
    "notify_phone": ("Số điện thoại di động", "Mobile phone"),
    "notify_email": ("Thư điện tử", "E-mail"),
    "notify_submit": ("Đăng ký nhận tin", "Notify me"),
    "notify_on": ("Sẽ báo đến: {address}", "We will notify: {address}"),
    "notify_off": ("Hủy nhận tin", "Stop notifications"),
    "notify_stopped": ("Đã hủy nhận tin.", "Notifications stopped."),
    "notify_need_contact": ("Hãy nhập số điện thoại hoặc thư điện tử.", "Enter a phone number or an e-mail address."),
    # errors by code (used by the pages' JavaScript as err_<code>)
    "err_already_rated": ("Lượt phục vụ này đã được đánh giá. Xin cảm ơn!", "This visit has already been rated."),
    "err_rating_not_finished": ("Lượt phục vụ chưa kết thúc nên chưa thể đánh giá.", "The visit is not finished yet."),
    "err_rating_wrong_counter": ("Phiếu này không được phục vụ tại quầy này.", "This ticket was not served here."),
    "err_rating_not_latest": ("Quầy đã phục vụ công dân khác; chỉ đánh giá lượt vừa xong.",
                              "The counter has served someone else since; only the last visit may be rated."),
    "err_rating_too_late": ("Đã quá thời gian đánh giá cho lượt này.", "Too late to rate this visit."),
    "err_rating_disabled": ("Trung tâm không lấy ý kiến đánh giá tại quầy.", "This centre does not take ratings."),
    "err_invalid_rating": ("Đánh giá không hợp lệ.", "Invalid rating."),
    "err_booking_not_found": ("Không tìm thấy lịch hẹn với mã này. Vui lòng kiểm tra lại mã.",
                              "No booking with this code. Please check the code."),
    "err_too_early": ("Chưa đến giờ nhận số theo lịch hẹn.", "Too early to check in."),
    "err_too_late": ("Đã quá giờ hẹn. Vui lòng lấy số thường hoặc đặt lịch hẹn mới.",
                     "Too late for this booking. Please take a normal ticket or book again."),
    "err_booking_cancelled": ("Lịch hẹn này đã bị hủy.", "This booking was cancelled."),
    "err_booking_no_show": ("Lịch hẹn này đã quá giờ và được ghi nhận là vắng mặt.",
                            "This booking was marked as a no-show."),
    "err_booking_closed": ("Lịch hẹn này đã quá giờ, không thể hủy.", "This booking can no longer be cancelled."),
    "err_already_checked_in": ("Lịch hẹn này đã được nhận số.", "This booking is already checked in."),
    "err_slot_full": ("Khung giờ này đã đủ chỗ. Vui lòng chọn khung giờ khác.", "This time is full; choose another."),
    "err_slot_closed": ("Khung giờ này không còn nhận đặt lịch.", "This time can no longer be booked."),
    "err_no_such_slot": ("Không có khung giờ này trong ngày đã chọn.", "There is no such time on that day."),
    "err_too_many_bookings": ("Số điện thoại này đã có đủ lịch hẹn trong ngày.",
                              "This phone number already has enough bookings that day."),
    "err_invalid_phone": ("Số điện thoại không hợp lệ: cần số di động 10 chữ số bắt đầu bằng 03, 05, 07, 08 hoặc 09.",
                          "Not a Vietnamese mobile number (10 digits starting 03, 05, 07, 08 or 09)."),
    "err_invalid_email": ("Địa chỉ thư điện tử không hợp lệ.", "Not an e-mail address."),
    "err_invalid_name": ("Họ tên cần từ 2 đến 100 ký tự.", "The name must be 2 to 100 characters."),
    "err_unknown_field": ("Lĩnh vực này không nhận đặt lịch hẹn.", "This service cannot be booked."),
    "err_booking_disabled": ("Trung tâm hiện không nhận đặt lịch hẹn.", "This centre does not take bookings."),
    "err_notifications_unavailable": ("Trung tâm chưa có dịch vụ nhắn tin.", "This centre does not send messages."),
    "err_ticket_not_waiting": ("Phiếu này không còn đang chờ.", "This ticket is no longer waiting."),
}
_TEXTS = Texts(TEXT)


def text(key: str, lang: str | None = None, **fmt) -> str:
    return _TEXTS.get(key, lang, **fmt)


def text_table(lang: str) -> dict[str, str]:
    out = _TEXTS.table(lang)
    for code, (vi, en, _) in rt.LEVELS.items():
        out["level_" + code] = en if lang == "en" else vi
    for code, (vi, en) in rt.REASONS.items():
        out["reason_" + code] = en if lang == "en" else vi
    return out



def page_data(**extra) -> dict:
    """What a citizen page gives its JavaScript: the text table in the page's language, and ``extra``."""
    return {"text": text_table(g.lang)} | extra
