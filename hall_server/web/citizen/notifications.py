"""Notification opt-ins on the tracking page (a text message or an e-mail when the turn is near)
and the outbox log."""

from __future__ import annotations

import dataclasses

from flask import request
from pydantic import Field, StrictStr

from ...citizen.contact import InvalidContact, mask_email, mask_phone, normalize_email, normalize_phone
from ...citizen.outbox import outbox_log, subscribe, subscriptions_of, unsubscribe
from ...engine import TicketState
from ...engine.errors import NotFound
from .. import schemas as s
from ..api import BadRequest, add_query
from . import SUPERVISORS, Refused, app_ext, citizen_state, require_role
from .texts import text


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
    ext = app_ext()
    with ext.service.read() as hall:
        ticket = hall.ticket_by_tracking(tracking_id)
        ticket = dataclasses.replace(ticket) if ticket else None
    if ticket is None:
        raise NotFound("no ticket with this tracking id")
    return ticket


def _notify_view(ticket) -> dict:
    ext, settings = app_ext(), citizen_state().settings.notify
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
    ext, citizen = app_ext(), citizen_state()
    if (body.phone is None) == (body.email is None):
        raise Refused("invalid_body", "send exactly one of phone and email",
                      text("notify_need_contact", "vi"), kind="invalid")
    channel = "sms" if body.phone is not None else "email"
    if channel not in citizen.settings.notify.channels or citizen.worker is None:
        raise Refused("notifications_unavailable", f"this centre sends no {channel} messages",
                      text("err_notifications_unavailable", "vi"))
    try:
        address = normalize_phone(body.phone) if channel == "sms" else normalize_email(body.email)
    except InvalidContact as exc:
        raise Refused(f"invalid_{'phone' if channel == 'sms' else 'email'}", str(exc), exc.message_vi,
                      kind="invalid") from None
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
    ext = app_ext()
    ticket = _tracked(args["tracking_id"])
    unsubscribe(ext.store.engine, ext.config.id, ticket.id, ext.service.clock())
    return _notify_view(ticket)


@add_query("GET", "/notifications", "The notification outbox, newest first, with every try (query: limit ≤ 500)",
           "a supervisor or admin", OutboxOut, public=False)
def notification_log(args):
    require_role(SUPERVISORS)
    try:
        limit = int(request.args.get("limit", 100))
    except ValueError:
        raise BadRequest("invalid_query", "limit must be an integer") from None
    if not 1 <= limit <= 500:
        raise BadRequest("invalid_query", "limit must be between 1 and 500")
    return {"rows": outbox_log(app_ext().store.engine, app_ext().config.id, limit)}
