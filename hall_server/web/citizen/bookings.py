"""Booked appointments: the JSON endpoints. Only a check-in issues ``channel: booking`` tickets
(the one command pipeline refuses them from anywhere else: hall_server/pipeline.py)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Literal

from flask import request, url_for
from pydantic import Field, StrictInt, StrictStr

from ...citizen.booking import qr_png_data_url
from ...engine import IssueTicket
from .. import schemas as s
from ..api import BadRequest, add_query
from ..auth import current_actor
from ..errors import AnswerRefused
from . import STAFF, SUPERVISORS, app_ext, citizen_state, parse_day, require_role


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
    out = citizen_state().desk.public_view(booking)
    out["manage_path"] = url_for("citizen.booking_page", code=booking.code)
    if with_qr:
        out["qr_png"] = qr_png_data_url(booking.code)
    return out


def _lookup_limit():
    """Guessing codes one GET at a time is slowed down like any public POST."""
    actor = current_actor()
    if actor.role == "anonymous":
        return app_ext().limiter.limit("30/minute", scope="booking-lookup")
    from contextlib import nullcontext

    return nullcontext()


@add_query("GET", "/booking/options", "What may be booked: fields, open days, slot length, check-in window",
           "anyone", BookingOptionsOut)
def booking_options(args):
    ext, desk = app_ext(), citizen_state().desk
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
    ext, desk = app_ext(), citizen_state().desk
    field = request.args.get("field", "")
    day = parse_day(request.args.get("day"))
    slots = desk.slots(field, day, ext.service.clock())
    return {"field": field, "day": day.isoformat(), "slots": [x.to_dict() for x in slots]}


@add_query("POST", "/bookings", "Book a slot; the answer holds the booking code and its QR code (PNG data URL)",
           "anyone (rate-limited)", BookingOut, body=BookingBody, status=201)
def booking_create(args, body: BookingBody):
    ext, desk = app_ext(), citizen_state().desk
    actor = current_actor()
    booking = desk.book(body.field, parse_day(body.day), body.start, body.name, body.phone, ext.service.clock(),
                        actor=f"{actor.role}:{actor.id}")
    return _public_booking(booking, with_qr=True)


@add_query("GET", "/bookings", "The day's bookings, with phone numbers (query: day, default today); bookings whose "
           "check-in window has closed are marked no-shows first", "staff", BookingListOut, public=False)
def booking_list(args):
    require_role(STAFF)
    ext, desk = app_ext(), citizen_state().desk
    now = ext.service.clock()
    day = parse_day(request.args.get("day")) if request.args.get("day") else desk.local(now).date()
    desk.sweep(now)
    rows = desk.day_list(day)
    counts = {k: 0 for k in ("booked", "checked_in", "cancelled", "no_show")}
    for b in rows:
        counts[b.status] += 1
    return {"day": day.isoformat(), "counts": counts, "bookings": [desk.staff_view(b) for b in rows]}


@add_query("GET", "/bookings/<code>", "A booking by its code (the phone masked)", "anyone with the code", BookingOut)
def booking_get(args):
    with _lookup_limit():
        booking = citizen_state().desk.require(args["code"])
    return _public_booking(booking, with_qr=booking.status == "booked")


@add_query("POST", "/bookings/<code>/cancel", "Cancel a booking (frees its seat)", "anyone with the code "
           "(rate-limited)", BookingOut)
def booking_cancel(args):
    ext = app_ext()
    actor = current_actor()
    booking = citizen_state().desk.cancel(args["code"], ext.service.clock(), f"{actor.role}:{actor.id}")
    return _public_booking(booking)


@add_query("POST", "/bookings/<code>/no-show", "Mark a booking as a no-show (frees its seat)", "a supervisor or "
           "admin", BookingOut, public=False)
def booking_no_show(args):
    actor = require_role(SUPERVISORS)
    booking = citizen_state().desk.no_show(args["code"], app_ext().service.clock(), f"{actor.role}:{actor.id}")
    return _public_booking(booking)


@add_query("POST", "/bookings/<code>/check-in", "Check a booking in: issues its ticket (channel booking, served "
           "ahead of walk-ins after priority citizens) within the check-in window, else 409 with the reason; a "
           "dispenser also gets the print job", "a dispenser, staff, or anyone at the public kiosk (rate-limited)",
           CheckInOut, status=201)
def booking_check_in(args):
    from ..sockets import send_print_job

    ext, desk = app_ext(), citizen_state().desk
    actor = current_actor()
    booking = desk.require(args["code"])
    now = ext.service.clock()
    desk.check_in_allowed(booking, now)
    command = IssueTicket(field=booking.field, channel="booking", tracking_id=secrets.token_urlsafe(12))
    # One booking, one ticket: a retry (or a second kiosk) gets the same ticket back.
    outcome = ext.service.execute(command, request_id=f"booking-check-in:{booking.id}", actor=actor)
    if not outcome.ok:
        raise AnswerRefused(outcome.body)
    ticket = outcome.body["ticket"]
    booking = desk.checked_in(booking, ticket, now, f"{actor.role}:{actor.id}")
    if actor.role == "dispenser" and not outcome.replayed:
        send_print_job(ext, actor.id, ticket)
    base = ext.config.centre.public_url.rstrip("/")
    return {"booking": _public_booking(booking), "ticket": ticket, "tracking_url": f"{base}/t/{ticket['tracking_id']}"}


@add_query("PUT", "/booking/capacity", "Set one slot's capacity for a field (null: back to the default)",
           "a supervisor or admin", SlotsOut, public=False, body=CapacityBody)
def booking_capacity(args, body: CapacityBody):
    require_role(SUPERVISORS)
    ext, desk = app_ext(), citizen_state().desk
    day = parse_day(body.day)
    try:
        start = datetime.combine(day, datetime.strptime(body.start, "%H:%M").time(), tzinfo=ext.config.tz)
    except ValueError:
        raise BadRequest("invalid_body", "start must be a time like 08:00") from None
    desk.set_capacity(body.field, start, body.capacity)
    slots = desk.slots(body.field, day, ext.service.clock())
    return {"field": body.field, "day": day.isoformat(), "slots": [x.to_dict() for x in slots]}
