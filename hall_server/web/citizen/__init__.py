"""The citizen side on the web: rating devices, notification opt-ins, booked appointments.

Pages:

* ``/rating?counter=N&device=TOKEN`` — the counter's rating tablet (a button-box token for that
  counter, or a staff session): asks about the ticket just finished there, then thanks;
* ``/booking`` — book a slot (field, day, time, name, phone) and get a code and a QR code;
  ``/booking?code=CODE`` shows a booking and lets the citizen cancel it;
* ``/checkin?device=TOKEN`` — the kiosk screen where a booked citizen types or scans the code;
* ``/bookings?day=YYYY-MM-DD`` — the day's bookings (staff; supervisors may mark no-shows);
* the tracking page ``/t/<tracking_id>`` (pages blueprint) carries the opt-in form.

JSON endpoints (all in the OpenAPI document; errors are ``{"error", "message", "details"}`` with the
Vietnamese text in ``details.message_vi``):

* ``GET|POST /api/v1/counters/{counter}/rating``, ``GET /api/v1/ratings`` (figures);
* ``GET|POST|DELETE /api/v1/track/{tracking_id}/notify``, ``GET /api/v1/notifications`` (the log);
* ``GET /api/v1/booking/options``, ``GET /api/v1/booking/slots``, ``POST /api/v1/bookings``,
  ``GET /api/v1/bookings`` (staff), ``GET /api/v1/bookings/{code}``, ``POST …/cancel``,
  ``POST …/check-in``, ``POST …/no-show``, ``PUT /api/v1/booking/capacity``.

One :class:`~hall_server.citizen.outbox.NotificationWorker` per app is started when a gateway is
configured; its listener only raises a flag, so notifications never slow a call.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Literal

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from pydantic import Field, StrictInt, StrictStr

from ...citizen import rating as rt
from ...citizen.booking import BookingDesk, BookingError, normalize_code, qr_png_data_url
from ...citizen.contact import InvalidContact, mask_email, mask_phone, normalize_email, normalize_phone
from ...citizen.notify import notifiers_from
from ...citizen.outbox import NotificationWorker, outbox_log, subscribe, subscriptions_of, unsubscribe
from ...citizen.settings import load_citizen_settings
from ...engine import IssueTicket, TicketState
from .. import schemas as s
from ..i18n import Texts
from ..api import BadRequest, add_query
from ..auth import Forbidden, current_actor, device_actor

log = logging.getLogger(__name__)
bp = Blueprint("citizen", __name__)

SUPERVISORS = ("supervisor", "admin")
STAFF = ("officer", "supervisor", "admin")

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


# ---------------------------------------------------------------------- per-app state
class Citizen:
    """Per-app state: the settings, the booking desk, and the notification worker (if any)."""

    def __init__(self, ext, settings):
        self.settings = settings
        self.desk = BookingDesk(ext.store.engine, ext.config, settings.booking)
        self.worker: NotificationWorker | None = None
        notifiers = notifiers_from(settings.notify)
        if notifiers:
            self.worker = NotificationWorker(ext.service, settings.notify, notifiers)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()


@bp.record_once
def _setup(state) -> None:
    app = state.app
    ext = app.extensions["motcua"]
    citizen = Citizen(ext, load_citizen_settings(ext.config))
    app.extensions["motcua_citizen"] = citizen
    if citizen.worker is not None:
        ext.service.listeners.append(citizen.worker.listener)
        citizen.worker.start()


def _ext():
    return current_app.extensions["motcua"]


def _citizen() -> Citizen:
    return current_app.extensions["motcua_citizen"]


@bp.app_context_processor
def _page_text():
    def citizen_text(*prefixes: str) -> dict[str, str]:
        """The page text for JavaScript (only keys with one of ``prefixes``, if given)."""
        table = text_table(getattr(g, "lang", "vi"))
        return {k: v for k, v in table.items() if not prefixes or k.startswith(prefixes)}

    return {"ct": text, "citizen_text": citizen_text}


# ---------------------------------------------------------------------- errors
class Refused(Exception):
    """A citizen request refused with a Vietnamese reason (notification opt-ins)."""

    def __init__(self, code: str, message: str, message_vi: str, status: int = 409, **details):
        super().__init__(message)
        self.code, self.message, self.message_vi, self.status, self.details = code, message, message_vi, status, details


@bp.app_errorhandler(Refused)
@bp.app_errorhandler(BookingError)
@bp.app_errorhandler(rt.RatingRefused)
def _refused(exc):
    details = {"message_vi": exc.message_vi} | dict(getattr(exc, "details", {}) or {})
    return jsonify(error=exc.code, message=exc.message, details=details), exc.status


@bp.before_app_request
def _booking_channel_is_for_check_in():
    """Only a booking check-in issues ``channel: booking`` tickets (they get a head start)."""
    rule = request.url_rule
    if request.method != "POST" or rule is None or rule.rule != "/api/v1/tickets":
        return None
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or body.get("channel") != "booking":
        return None
    try:
        actor = current_actor()
    except Forbidden:
        return None  # the endpoint answers that itself
    if actor.role in SUPERVISORS:
        return None
    return jsonify(error="invalid_body", message="channel: booking tickets come from POST "
                   "/api/v1/bookings/{code}/check-in"), 400


def _require(roles, actor=None):
    actor = actor or current_actor()
    if actor.role == "anonymous":
        raise Forbidden("log in first", 401)
    if actor.role not in roles:
        raise Forbidden(f"{actor.role} may not do this")
    return actor


def _day(value: str | None, name: str = "day") -> date:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise BadRequest("invalid_query", f"{name} must be a date like 2026-11-26") from None


# ---------------------------------------------------------------------- ratings: API
class RatingBody(s.Body):
    ticket: StrictInt = Field(description="The id of the ticket just finished at this counter")
    rating: Literal["very_satisfied", "satisfied", "unsatisfied"]
    reasons: list[Literal["long_wait", "attitude", "unclear_guidance", "complex_procedure", "other"]] = Field(
        default=[], max_length=5, description="Only with unsatisfied")


class RatingOut(s.Out):
    ticket: int
    code: str
    counter: int
    officer: str | None
    field: str
    rating: str
    reasons: list[str]
    at: str


class Choice(s.Out):
    code: str
    name: str
    name_en: str


class RateableOut(s.Out):
    id: int
    code: str
    field: str
    finished_at: str
    expires_at: str


class RatingPendingOut(s.Out):
    counter: int
    ticket: RateableOut | None
    window_seconds: float
    levels: list[Choice]
    reasons: list[Choice]


class RatingFigureOut(s.Out):
    key: str
    count: int
    very_satisfied: int
    satisfied: int
    unsatisfied: int
    reasons: dict[str, int]
    satisfied_share: float | None
    score_mean: float | None


class RatingFiguresOut(s.Out):
    first_day: str
    last_day: str
    by: str
    rows: list[RatingFigureOut]


def _rating_actor(counter: int):
    """The caller, if it may rate at ``counter``: its button box, its seated officer, or a supervisor."""
    actor = current_actor()
    if actor.role == "anonymous":
        raise Forbidden("send the counter's button-box token or log in", 401)
    if actor.role == "button_box":
        if counter not in actor.counters:
            raise Forbidden(f"device {actor.id} does not act for counter {counter}")
    elif actor.role == "officer":
        with _ext().service.read() as hall:
            seat = hall.counters.get(counter)
            if seat is not None and seat.officer != actor.officer:
                raise Forbidden(f"officer {actor.officer} is not seated at counter {counter}")
    elif actor.role not in SUPERVISORS:
        raise Forbidden(f"{actor.role} may not rate")
    if not _citizen().settings.rating.enabled:
        raise rt.RatingRefused("rating_disabled", "this centre does not take ratings", text("rating_disabled", "vi"))
    return actor


def _choices() -> tuple[list[dict], list[dict]]:
    levels = [{"code": k, "name": v[0], "name_en": v[1]} for k, v in rt.LEVELS.items()]
    reasons = [{"code": k, "name": v[0], "name_en": v[1]} for k, v in rt.REASONS.items()]
    return levels, reasons


COUNTER_DEVICE = "the counter's button box (device token), the officer seated there, a supervisor or admin"


@add_query("GET", "/counters/<int:counter>/rating", "The ticket the counter's rating device should ask about now "
           "(the last one finished there, within the rating window, not yet rated), or null", COUNTER_DEVICE,
           RatingPendingOut, public=False)
def rating_pending(args):
    counter = args["counter"]
    _rating_actor(counter)
    ext, window = _ext(), _citizen().settings.rating.window_seconds
    now = ext.service.clock()
    with ext.service.read() as hall:
        if counter not in hall.counters:
            raise BadRequest("not_found", f"unknown counter {counter}", 404)
        ticket = rt.rateable_ticket(hall, counter, now, window)
        ticket = dataclasses.replace(ticket) if ticket else None
    if ticket is not None and rt.is_rated(ext.store.engine, ext.config.id, ticket.id):
        ticket = None
    levels, reasons = _choices()
    return {"counter": counter, "window_seconds": window, "levels": levels, "reasons": reasons, "ticket": None
            if ticket is None else {"id": ticket.id, "code": ticket.code, "field": ticket.field,
                                    "finished_at": ticket.finished_at.isoformat(),
                                    "expires_at": (ticket.finished_at + timedelta(seconds=window)).isoformat()}}


@add_query("POST", "/counters/<int:counter>/rating", "Rate the ticket just finished at this counter (once, within "
           "the rating window); 409 names why a rating is refused", COUNTER_DEVICE, RatingOut, public=False,
           body=RatingBody, status=201)
def rating_post(args, body: RatingBody):
    counter = args["counter"]
    actor = _rating_actor(counter)
    ext = _ext()
    reasons = rt.check_level(body.rating, list(body.reasons))
    now = ext.service.clock()
    rated = rt.is_rated(ext.store.engine, ext.config.id, body.ticket)
    with ext.service.read() as hall:
        ticket = rt.check_rating(hall, counter, body.ticket, now, _citizen().settings.rating.window_seconds,
                                 rated=rated)
        ticket = dataclasses.replace(ticket)
    return rt.save_rating(ext.store.engine, ext.config.id, ticket, body.rating, reasons, now, actor.id)


@add_query("GET", "/ratings", "Satisfaction figures (query: from, to as YYYY-MM-DD, local days; by officer|field|"
           "counter|day|all)", "a supervisor or admin", RatingFiguresOut, public=False)
def rating_figures_json(args):
    _require(SUPERVISORS)
    ext = _ext()
    first = _day(request.args.get("from"), "from")
    last = _day(request.args.get("to") or first.isoformat(), "to")
    by = request.args.get("by") or "officer"
    if by not in rt.BREAKDOWNS:
        raise BadRequest("invalid_query", f"by must be one of {', '.join(rt.BREAKDOWNS)}")
    if last < first or (last - first).days > 5 * 366:
        raise BadRequest("invalid_query", "to must be on or after from, at most five years later")
    tz = ext.config.tz
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    rows = rt.rating_figures(ext.store.engine, ext.config.id, start, end, by)
    return {"first_day": first.isoformat(), "last_day": last.isoformat(), "by": by,
            "rows": [r.to_dict() for r in rows]}


# ---------------------------------------------------------------------- notifications: API
class NotifyBody(s.Body):
    phone: StrictStr | None = Field(default=None, max_length=40, description="A Vietnamese mobile number")
    email: StrictStr | None = Field(default=None, max_length=254)


class NotifySubscriptionOut(s.Out):
    channel: str
    address: str  # masked


class NotifyOut(s.Out):
    available: list[str]
    ahead: list[int]
    on_call: bool
    state: str
    subscriptions: list[NotifySubscriptionOut]


class AttemptOut(s.Out):
    at: str
    ok: bool
    error: str | None
    duration_ms: int


class OutboxRowOut(s.Out):
    id: int
    ticket_id: int
    stage: str
    channel: str
    address: str
    text: str
    status: str
    attempts: int
    created_at: str
    sent_at: str | None
    last_error: str | None
    tries: list[AttemptOut]


class OutboxOut(s.Out):
    rows: list[OutboxRowOut]


def _tracked(tracking_id: str):
    ext = _ext()
    with ext.service.read() as hall:
        ticket = hall.ticket_by_tracking(tracking_id)
        ticket = dataclasses.replace(ticket) if ticket else None
    if ticket is None:
        raise BadRequest("not_found", "no ticket with this tracking id", 404)
    return ticket


def _notify_view(ticket) -> dict:
    ext, settings = _ext(), _citizen().settings.notify
    subs = subscriptions_of(ext.store.engine, ext.config.id, ticket.id)
    return {
        "available": settings.channels, "ahead": sorted(settings.ahead), "on_call": settings.on_call,
        "state": ticket.state.value,
        "subscriptions": [{"channel": x.channel, "address": mask_phone(x.address) if x.channel == "sms"
                           else mask_email(x.address)} for x in subs],
    }


@add_query("GET", "/track/<tracking_id>/notify", "A ticket's notification opt-ins (addresses masked) and the ways "
           "offered", "anyone with the tracking id", NotifyOut)
def notify_get(args):
    return _notify_view(_tracked(args["tracking_id"]))


@add_query("POST", "/track/<tracking_id>/notify", "Opt a waiting ticket in for a text message (phone) or an e-mail "
           "when its turn is near and when it is called", "anyone with the tracking id (rate-limited), a dispenser",
           NotifyOut, body=NotifyBody, status=201)
def notify_post(args, body: NotifyBody):
    ext, citizen = _ext(), _citizen()
    if (body.phone is None) == (body.email is None):
        raise Refused("invalid_body", "send exactly one of phone and email",
                      text("notify_need_contact", "vi"), 400)
    channel = "sms" if body.phone is not None else "email"
    if channel not in citizen.settings.notify.channels or citizen.worker is None:
        raise Refused("notifications_unavailable", f"this centre sends no {channel} messages",
                      text("err_notifications_unavailable", "vi"))
    try:
        address = normalize_phone(body.phone) if channel == "sms" else normalize_email(body.email)
    except InvalidContact as exc:
        raise Refused(f"invalid_{'phone' if channel == 'sms' else 'email'}", str(exc), exc.message_vi, 400) from None
    ticket = _tracked(args["tracking_id"])
    if ticket.state is not TicketState.WAITING:
        raise Refused("ticket_not_waiting", f"ticket {ticket.code} is {ticket.state.value}, not waiting",
                      f"Số {ticket.code} không còn đang chờ nên không cần đăng ký nhận tin.")
    subscribe(ext.store.engine, ext.config.id, ticket, channel, address, ext.service.clock())
    citizen.worker.poke()
    return _notify_view(ticket)


@add_query("DELETE", "/track/<tracking_id>/notify", "Stop a ticket's notifications", "anyone with the tracking id",
           NotifyOut)
def notify_delete(args):
    ext = _ext()
    ticket = _tracked(args["tracking_id"])
    unsubscribe(ext.store.engine, ext.config.id, ticket.id, ext.service.clock())
    return _notify_view(ticket)


@add_query("GET", "/notifications", "The notification outbox, newest first, with every try (query: limit ≤ 500)",
           "a supervisor or admin", OutboxOut, public=False)
def notification_log(args):
    _require(SUPERVISORS)
    try:
        limit = int(request.args.get("limit", 100))
    except ValueError:
        raise BadRequest("invalid_query", "limit must be an integer") from None
    if not 1 <= limit <= 500:
        raise BadRequest("invalid_query", "limit must be between 1 and 500")
    return {"rows": outbox_log(_ext().store.engine, _ext().config.id, limit)}


# ---------------------------------------------------------------------- bookings: API
class BookingBody(s.Body):
    field: StrictStr = Field(max_length=16)
    day: StrictStr = Field(description="YYYY-MM-DD", max_length=10)
    start: StrictStr = Field(description="The slot's start, HH:MM", max_length=5)
    name: StrictStr = Field(max_length=200)
    phone: StrictStr = Field(max_length=40)


class CapacityBody(s.Body):
    field: StrictStr = Field(max_length=16)
    day: StrictStr = Field(max_length=10)
    start: StrictStr = Field(max_length=5)
    capacity: StrictInt | None = Field(ge=0, le=1000, description="null: back to the default")


class BookingOut(s.Out):
    code: str
    code_display: str
    field: str
    field_name: str
    field_name_en: str
    day: str
    start: str
    end: str
    starts_at: str
    ends_at: str
    status: Literal["booked", "checked_in", "cancelled", "no_show"]
    name: str
    phone_masked: str
    checkin_opens_at: str
    checkin_closes_at: str
    ticket_code: str | None
    tracking_id: str | None
    qr_png: str | None = None
    manage_path: str | None = None


class BookingStaffOut(BookingOut):
    phone: str
    created_at: str
    changed_at: str
    changed_by: str
    ticket_id: int | None


class BookingListOut(s.Out):
    day: str
    counts: dict[str, int]
    bookings: list[BookingStaffOut]


class CheckInOut(s.Out):
    booking: BookingOut
    ticket: s.TicketOut
    tracking_url: str


class FieldChoice(s.Out):
    code: str
    name: str
    name_en: str
    prefix: str


class BookingOptionsOut(s.Out):
    enabled: bool
    fields: list[FieldChoice]
    days: list[str]
    slot_minutes: int
    checkin_early_minutes: int
    checkin_late_minutes: int


class SlotOut(s.Out):
    start: str
    end: str
    starts_at: str
    ends_at: str
    capacity: int
    booked: int
    left: int
    bookable: bool


class SlotsOut(s.Out):
    field: str
    day: str
    slots: list[SlotOut]


def _public_booking(booking, with_qr: bool = False) -> dict:
    out = _citizen().desk.public_view(booking)
    out["manage_path"] = url_for("citizen.booking_page", code=booking.code)
    if with_qr:
        out["qr_png"] = qr_png_data_url(booking.code)
    return out


def _lookup_limit():
    """Guessing codes one GET at a time is slowed down like any public POST."""
    actor = current_actor()
    if actor.role == "anonymous":
        return _ext().limiter.limit("30/minute", scope="booking-lookup")
    from contextlib import nullcontext

    return nullcontext()


@add_query("GET", "/booking/options", "What may be booked: fields, open days, slot length, check-in window",
           "anyone", BookingOptionsOut)
def booking_options(args):
    ext, desk = _ext(), _citizen().desk
    settings = desk.settings
    fields = [ext.config.fields[c] for c in desk.bookable_fields()]
    days = desk.open_days(ext.service.clock()) if settings.enabled else []
    return {"enabled": settings.enabled, "slot_minutes": settings.slot_minutes, "days": [d.isoformat() for d in days],
            "checkin_early_minutes": settings.checkin_early_minutes,
            "checkin_late_minutes": settings.checkin_late_minutes,
            "fields": [{"code": f.code, "name": f.name, "name_en": f.name_en, "prefix": f.prefix} for f in fields]}


@add_query("GET", "/booking/slots", "A day's slots for a field with the seats left (query: field, day)", "anyone",
           SlotsOut)
def booking_slots(args):
    ext, desk = _ext(), _citizen().desk
    field = request.args.get("field", "")
    day = _day(request.args.get("day"))
    slots = desk.slots(field, day, ext.service.clock())
    return {"field": field, "day": day.isoformat(), "slots": [x.to_dict() for x in slots]}


@add_query("POST", "/bookings", "Book a slot; the answer holds the booking code and its QR code (PNG data URL)",
           "anyone (rate-limited)", BookingOut, body=BookingBody, status=201)
def booking_create(args, body: BookingBody):
    ext, desk = _ext(), _citizen().desk
    actor = current_actor()
    booking = desk.book(body.field, _day(body.day), body.start, body.name, body.phone, ext.service.clock(),
                        actor=f"{actor.role}:{actor.id}")
    return _public_booking(booking, with_qr=True)


@add_query("GET", "/bookings", "The day's bookings, with phone numbers (query: day, default today); bookings whose "
           "check-in window has closed are marked no-shows first", "staff", BookingListOut, public=False)
def booking_list(args):
    _require(STAFF)
    ext, desk = _ext(), _citizen().desk
    now = ext.service.clock()
    day = _day(request.args.get("day")) if request.args.get("day") else desk.local(now).date()
    desk.sweep(now)
    rows = desk.day_list(day)
    counts = {k: 0 for k in ("booked", "checked_in", "cancelled", "no_show")}
    for b in rows:
        counts[b.status] += 1
    return {"day": day.isoformat(), "counts": counts, "bookings": [desk.staff_view(b) for b in rows]}


@add_query("GET", "/bookings/<code>", "A booking by its code (the phone masked)", "anyone with the code", BookingOut)
def booking_get(args):
    with _lookup_limit():
        booking = _citizen().desk.require(args["code"])
    return _public_booking(booking, with_qr=booking.status == "booked")


@add_query("POST", "/bookings/<code>/cancel", "Cancel a booking (frees its seat)", "anyone with the code "
           "(rate-limited)", BookingOut)
def booking_cancel(args):
    ext = _ext()
    actor = current_actor()
    booking = _citizen().desk.cancel(args["code"], ext.service.clock(), f"{actor.role}:{actor.id}")
    return _public_booking(booking)


@add_query("POST", "/bookings/<code>/no-show", "Mark a booking as a no-show (frees its seat)", "a supervisor or "
           "admin", BookingOut, public=False)
def booking_no_show(args):
    actor = _require(SUPERVISORS)
    booking = _citizen().desk.no_show(args["code"], _ext().service.clock(), f"{actor.role}:{actor.id}")
    return _public_booking(booking)


@add_query("POST", "/bookings/<code>/check-in", "Check a booking in: issues its ticket (channel booking, served "
           "ahead of walk-ins after priority citizens) within the check-in window, else 409 with the reason; a "
           "dispenser also gets the print job", "a dispenser, staff, or anyone at the public kiosk (rate-limited)",
           CheckInOut, status=201)
def booking_check_in(args):
    from ..sockets import send_print_job

    ext, desk = _ext(), _citizen().desk
    actor = current_actor()
    booking = desk.require(args["code"])
    now = ext.service.clock()
    desk.check_in_allowed(booking, now)
    command = IssueTicket(field=booking.field, channel="booking", tracking_id=secrets.token_urlsafe(12))
    # One booking, one ticket: a retry (or a second kiosk) gets the same ticket back.
    outcome = ext.service.execute(command, request_id=f"booking-check-in:{booking.id}", actor=actor)
    if not outcome.ok:
        raise BadRequest(outcome.body.get("error", "domain_error"), outcome.body.get("message", ""), outcome.status)
    ticket = outcome.body["ticket"]
    booking = desk.checked_in(booking, ticket, now, f"{actor.role}:{actor.id}")
    if actor.role == "dispenser" and not outcome.replayed:
        send_print_job(ext, actor.id, ticket)
    base = ext.config.centre.public_url.rstrip("/")
    return {"booking": _public_booking(booking), "ticket": ticket, "tracking_url": f"{base}/t/{ticket['tracking_id']}"}


@add_query("PUT", "/booking/capacity", "Set one slot's capacity for a field (null: back to the default)",
           "a supervisor or admin", SlotsOut, public=False, body=CapacityBody)
def booking_capacity(args, body: CapacityBody):
    _require(SUPERVISORS)
    ext, desk = _ext(), _citizen().desk
    day = _day(body.day)
    try:
        start = datetime.combine(day, datetime.strptime(body.start, "%H:%M").time(), tzinfo=ext.config.tz)
    except ValueError:
        raise BadRequest("invalid_body", "start must be a time like 08:00") from None
    desk.set_capacity(body.field, start, body.capacity)
    slots = desk.slots(body.field, day, ext.service.clock())
    return {"field": body.field, "day": day.isoformat(), "slots": [x.to_dict() for x in slots]}


# ---------------------------------------------------------------------- pages
def _page_data(**extra) -> dict:
    return {"text": text_table(g.lang)} | extra


@bp.get("/rating")
def rating_page():
    ext = _ext()
    counter = request.args.get("counter", type=int)
    token = request.args.get("device", "")
    problem = None
    if token:
        actor = device_actor(ext.config, token)
        if actor is None or actor.role != "button_box":
            problem = "rating_not_set_up"
        elif counter is None and len(actor.counters) == 1:
            counter = actor.counters[0]
        elif counter not in actor.counters:
            problem = "rating_not_set_up"
    elif not current_user.is_authenticated:
        return redirect(url_for("pages.login", next=request.full_path))
    else:
        actor = current_user.actor
        with ext.service.read() as hall:
            if actor.role == "officer":
                seat = hall.officer_counter(actor.officer)
                counter = seat.number if seat else None
            elif counter is None:
                counter = min(hall.counters)
        if counter is None or counter not in ext.config.counters:
            problem = "rating_not_set_up"
    if not _citizen().settings.rating.enabled:
        problem = "rating_disabled"
    status = 200 if problem is None else 403
    data = _page_data(counter=counter, device_token=token if problem is None else "", problem=problem,
                      window_seconds=_citizen().settings.rating.window_seconds,
                      levels=list(rt.LEVELS), reasons=list(rt.REASONS))
    return render_template("rating.html", page_data=data, counter=counter, problem=problem), status


@bp.get("/booking")
def booking_page():
    code = request.args.get("code", "")
    return render_template("booking.html", mode="book", page_data=_page_data(
        mode="book", code=normalize_code(code) or "" if code else ""))


@bp.get("/checkin")
def checkin_page():
    token = request.args.get("device", "")
    return render_template("booking.html", mode="checkin", page_data=_page_data(mode="checkin", device_token=token))


def _staff_page(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("pages.login", next=request.full_path))
        if current_user.actor.role not in STAFF:
            return render_template("bookings.html", forbidden=True, page_data={}), 403
        return view(*args, **kwargs)

    return wrapped


@bp.get("/bookings")
@_staff_page
def bookings_page():
    ext = _ext()
    day = request.args.get("day") or ext.service.clock().astimezone(ext.config.tz).date().isoformat()
    try:
        date.fromisoformat(day)
    except ValueError:
        day = ext.service.clock().astimezone(ext.config.tz).date().isoformat()
    return render_template("bookings.html", forbidden=False, day=day, page_data=_page_data(
        mode="staff", day=day, role=current_user.actor.role))

