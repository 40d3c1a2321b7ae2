"""The citizen pages' text in Vietnamese and English (the rating tablet, booking, check-in, the
staff's booking list, the notification form) and the error messages their JavaScript shows
(``err_<code>``)."""

from __future__ import annotations

from flask import g

from ...citizen import rating as rt
from ..i18n import Table, checked, flat, lookup, merge

# ---------------------------------------------------------------------- page text (Vietnamese, English)
#: key -> {"vi", "en"} (the format of hall_server/web/i18n.py)
TEXT: Table = checked({
    # rating tablet
    "rating_title": {"vi": "Đánh giá mức độ hài lòng", "en": "Rate our service"},
    "rating_question": {"vi": "Ông/Bà đánh giá thế nào về lượt phục vụ vừa rồi?",
                        "en": "How was the service you just received?"},
    "rating_ticket": {"vi": "Số thứ tự", "en": "Ticket"},
    "reasons_question": {"vi": "Xin cho biết lý do (có thể chọn nhiều):", "en": "Please tell us why (choose any):"},
    "send_rating": {"vi": "Gửi đánh giá", "en": "Send"},
    "skip_reasons": {"vi": "Gửi không kèm lý do", "en": "Send without a reason"},
    "rating_thanks": {"vi": "Cảm ơn Ông/Bà đã đánh giá!", "en": "Thank you for your rating!"},
    "rating_idle": {"vi": "Xin chào! Sau khi được phục vụ, mời Ông/Bà đánh giá tại đây.",
                    "en": "Hello! After you are served, please rate us here."},
    "rating_not_set_up": {"vi": "Thiết bị đánh giá chưa được cài đặt đúng. Vui lòng báo cán bộ.",
                          "en": "This rating device is not set up correctly. Please tell a staff member."},
    "rating_disabled": {"vi": "Trung tâm không lấy ý kiến đánh giá tại quầy.",
                        "en": "This centre does not take ratings."},
    # booking
    "booking_title": {"vi": "Đặt lịch hẹn", "en": "Book an appointment"},
    "booking_intro": {"vi": "Chọn lĩnh vực, ngày và khung giờ. Khi đến Trung tâm, nhập hoặc quét mã lịch hẹn tại máy "
                            "lấy số để nhận số thứ tự: số theo lịch hẹn được gọi trước người đến sau.",
                      "en": "Choose a service, a day and a time. At the centre, type or scan your booking code at "
                            "the ticket kiosk to get a number that is called ahead of walk-ins."},
    "b_field": {"vi": "Lĩnh vực", "en": "Service"},
    "b_day": {"vi": "Ngày", "en": "Day"},
    "b_slot": {"vi": "Khung giờ", "en": "Time"},
    "b_name": {"vi": "Họ và tên", "en": "Full name"},
    "b_phone": {"vi": "Số điện thoại di động", "en": "Mobile phone"},
    "b_phone_hint": {"vi": "Ví dụ 0912 345 678", "en": "For example 0912 345 678"},
    "b_submit": {"vi": "Đặt lịch", "en": "Book"},
    "b_choose_field": {"vi": "— Chọn lĩnh vực —", "en": "— Choose a service —"},
    "b_choose_slot": {"vi": "Hãy chọn một khung giờ.", "en": "Choose a time."},
    "b_left": {"vi": "còn {n} chỗ", "en": "{n} left"},
    "b_full": {"vi": "hết chỗ", "en": "full"},
    "b_no_slots": {"vi": "Ngày này không còn khung giờ trống.", "en": "No free time on this day."},
    "b_no_days": {"vi": "Hiện không còn ngày nào nhận đặt lịch.", "en": "No day is open for booking now."},
    "b_disabled": {"vi": "Trung tâm hiện không nhận đặt lịch hẹn trực tuyến.",
                   "en": "This centre does not take online bookings."},
    "b_done": {"vi": "Đặt lịch thành công", "en": "Your appointment is booked"},
    "b_your_code": {"vi": "Mã lịch hẹn của bạn", "en": "Your booking code"},
    "b_keep_code": {"vi": "Hãy lưu mã này (chụp màn hình). Khi đến, nhập mã hoặc quét mã QR tại máy lấy số.",
                    "en": "Keep this code (take a screenshot). At the centre, type it or scan the QR code at the "
                          "kiosk."},
    "b_when": {"vi": "Thời gian", "en": "When"},
    "b_checkin_from": {"vi": "Nhận số tại máy từ {from} đến {to}", "en": "Check in at the kiosk from {from} to {to}"},
    "b_status": {"vi": "Trạng thái", "en": "Status"},
    "b_cancel": {"vi": "Hủy lịch hẹn", "en": "Cancel the booking"},
    "b_confirm_cancel": {"vi": "Bấm lần nữa để hủy", "en": "Click again to cancel"},
    "b_cancelled": {"vi": "Đã hủy lịch hẹn. Chỗ của bạn đã được nhường cho người khác.",
                    "en": "The booking is cancelled; your place is free for someone else."},
    "b_find": {"vi": "Tra cứu lịch hẹn", "en": "Find a booking"},
    "b_code": {"vi": "Mã lịch hẹn", "en": "Booking code"},
    "b_look_up": {"vi": "Tra cứu", "en": "Look up"},
    "b_new": {"vi": "Đặt lịch hẹn khác", "en": "Book another"},
    "b_ticket": {"vi": "Số thứ tự đã nhận", "en": "Ticket received"},
    "b_track": {"vi": "Theo dõi số thứ tự", "en": "Follow your ticket"},
    "st_booked": {"vi": "Đã đặt", "en": "Booked"},
    "st_checked_in": {"vi": "Đã nhận số", "en": "Checked in"},
    "st_cancelled": {"vi": "Đã hủy", "en": "Cancelled"},
    "st_no_show": {"vi": "Vắng mặt", "en": "No-show"},
    # check-in kiosk
    "checkin_title": {"vi": "Nhận số theo lịch hẹn", "en": "Check in with your booking"},
    "checkin_hint": {"vi": "Nhập mã lịch hẹn (8 ký tự) hoặc quét mã QR vào máy đọc:",
                     "en": "Type your booking code (8 characters) or scan its QR code:"},
    "checkin_submit": {"vi": "Nhận số", "en": "Get my number"},
    "checkin_bad_code": {"vi": "Mã lịch hẹn gồm 8 ký tự chữ và số, ví dụ K7MQ-2XRA.",
                         "en": "A booking code has 8 letters and digits, e.g. K7MQ-2XRA."},
    "checkin_walk_in": {"vi": "Lấy số thường", "en": "Take a normal ticket"},
    # supervisor list
    "bookings_title": {"vi": "Lịch hẹn trong ngày", "en": "Bookings of the day"},
    "b_col_time": {"vi": "Giờ", "en": "Time"},
    "b_col_field": {"vi": "Lĩnh vực", "en": "Service"},
    "b_col_code": {"vi": "Mã", "en": "Code"},
    "b_col_name": {"vi": "Họ tên", "en": "Name"},
    "b_col_phone": {"vi": "Điện thoại", "en": "Phone"},
    "b_col_status": {"vi": "Trạng thái", "en": "Status"},
    "b_col_ticket": {"vi": "Số thứ tự", "en": "Ticket"},
    "b_mark_no_show": {"vi": "Ghi vắng mặt", "en": "Mark no-show"},
    "no_bookings": {"vi": "Không có lịch hẹn nào trong ngày này.", "en": "No bookings on this day."},
    "show_day": {"vi": "Xem", "en": "Show"},
    "bookings_only_staff": {"vi": "Trang này chỉ dành cho cán bộ.", "en": "This page is for staff only."},
    # notifications on the tracking page
    "notify_title": {"vi": "Nhận tin nhắn khi sắp đến lượt", "en": "Get a message when your turn is near"},
    "notify_hint": {"vi": "Chúng tôi nhắn tin khi còn {n} người trước bạn và khi gọi số của bạn.",
                    "en": "We send a message when {n} people are ahead of you and when your number is called."},
    "notify_hint_call": {"vi": "Chúng tôi nhắn tin khi gọi số của bạn.",
                         "en": "We send a message when your number is called."},
    "notify_phone": {"vi": "Số điện thoại di động", "en": "Mobile phone"},
    "notify_email": {"vi": "Thư điện tử", "en": "E-mail"},
    "notify_submit": {"vi": "Đăng ký nhận tin", "en": "Notify me"},
    "notify_on": {"vi": "Sẽ báo đến: {address}", "en": "We will notify: {address}"},
    "notify_off": {"vi": "Hủy nhận tin", "en": "Stop notifications"},
    "notify_stopped": {"vi": "Đã hủy nhận tin.", "en": "Notifications stopped."},
    "notify_need_contact": {"vi": "Hãy nhập số điện thoại hoặc thư điện tử.",
                            "en": "Enter a phone number or an e-mail address."},
    # errors by code (used by the pages' JavaScript as err_<code>)
    "err_already_rated": {"vi": "Lượt phục vụ này đã được đánh giá. Xin cảm ơn!",
                          "en": "This visit has already been rated."},
    "err_rating_not_finished": {"vi": "Lượt phục vụ chưa kết thúc nên chưa thể đánh giá.",
                                "en": "The visit is not finished yet."},
    "err_rating_wrong_counter": {"vi": "Phiếu này không được phục vụ tại quầy này.",
                                 "en": "This ticket was not served here."},
    "err_rating_not_latest": {"vi": "Quầy đã phục vụ công dân khác; chỉ đánh giá lượt vừa xong.",
                              "en": "The counter has served someone else since; only the last visit may be rated."},
    "err_rating_too_late": {"vi": "Đã quá thời gian đánh giá cho lượt này.", "en": "Too late to rate this visit."},
    "err_rating_disabled": {"vi": "Trung tâm không lấy ý kiến đánh giá tại quầy.",
                            "en": "This centre does not take ratings."},
    "err_invalid_rating": {"vi": "Đánh giá không hợp lệ.", "en": "Invalid rating."},
    "err_booking_not_found": {"vi": "Không tìm thấy lịch hẹn với mã này. Vui lòng kiểm tra lại mã.",
                              "en": "No booking with this code. Please check the code."},
    "err_too_early": {"vi": "Chưa đến giờ nhận số theo lịch hẹn.", "en": "Too early to check in."},
    "err_too_late": {"vi": "Đã quá giờ hẹn. Vui lòng lấy số thường hoặc đặt lịch hẹn mới.",
                     "en": "Too late for this booking. Please take a normal ticket or book again."},
    "err_booking_cancelled": {"vi": "Lịch hẹn này đã bị hủy.", "en": "This booking was cancelled."},
    "err_booking_no_show": {"vi": "Lịch hẹn này đã quá giờ và được ghi nhận là vắng mặt.",
                            "en": "This booking was marked as a no-show."},
    "err_booking_closed": {"vi": "Lịch hẹn này đã quá giờ, không thể hủy.",
                           "en": "This booking can no longer be cancelled."},
    "err_already_checked_in": {"vi": "Lịch hẹn này đã được nhận số.", "en": "This booking is already checked in."},
    "err_slot_full": {"vi": "Khung giờ này đã đủ chỗ. Vui lòng chọn khung giờ khác.",
                      "en": "This time is full; choose another."},
    "err_slot_closed": {"vi": "Khung giờ này không còn nhận đặt lịch.", "en": "This time can no longer be booked."},
    "err_no_such_slot": {"vi": "Không có khung giờ này trong ngày đã chọn.",
                         "en": "There is no such time on that day."},
    "err_too_many_bookings": {"vi": "Số điện thoại này đã có đủ lịch hẹn trong ngày.",
                              "en": "This phone number already has enough bookings that day."},
    "err_invalid_phone": {"vi": "Số điện thoại không hợp lệ: cần số di động 10 chữ số bắt đầu bằng 03, 05, 07, 08 "
                                "hoặc 09.",
                          "en": "Not a Vietnamese mobile number (10 digits starting 03, 05, 07, 08 or 09)."},
    "err_invalid_email": {"vi": "Địa chỉ thư điện tử không hợp lệ.", "en": "Not an e-mail address."},
    "err_invalid_name": {"vi": "Họ tên cần từ 2 đến 100 ký tự.", "en": "The name must be 2 to 100 characters."},
    "err_unknown_field": {"vi": "Lĩnh vực này không nhận đặt lịch hẹn.", "en": "This service cannot be booked."},
    "err_booking_disabled": {"vi": "Trung tâm hiện không nhận đặt lịch hẹn.",
                             "en": "This centre does not take bookings."},
    "err_notifications_unavailable": {"vi": "Trung tâm chưa có dịch vụ nhắn tin.",
                                      "en": "This centre does not send messages."},
    "err_ticket_not_waiting": {"vi": "Phiếu này không còn đang chờ.", "en": "This ticket is no longer waiting."},
})

#: The rating levels and reasons (hall_server/citizen/rating.py) as page text: ``level_<code>``, ``reason_<code>``.
RATING_TEXT: Table = checked({f"level_{code}": {"vi": vi, "en": en} for code, (vi, en, _) in rt.LEVELS.items()}
                             | {f"reason_{code}": {"vi": vi, "en": en} for code, (vi, en) in rt.REASONS.items()})

_ALL = merge(TEXT, RATING_TEXT)


def text(key: str, lang: str | None = None, **fmt) -> str:
    """``key`` of :data:`TEXT` in ``lang`` (the request's if ``None``), formatted with ``fmt``."""
    return lookup(TEXT, key, lang, **fmt)


def text_table(lang: str) -> dict[str, str]:
    """:data:`TEXT` and :data:`RATING_TEXT` in ``lang``, for the pages' JavaScript."""
    return flat(_ALL, lang)


def page_data(**extra) -> dict:
    """What a citizen page gives its JavaScript: the text table in the page's language, and ``extra``."""
    return {"text": text_table(g.lang)} | extra
