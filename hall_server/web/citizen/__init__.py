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

Modules: this one holds the blueprint, the per-app state (:class:`Citizen`), the errors and the
helpers the features share; :mod:`.texts` the page text; :mod:`.ratings`, :mod:`.notifications`,
:mod:`.bookings` (JSON endpoints and the check-in rule) and :mod:`.booking_pages` one feature each.
"""

from __future__ import annotations

import importlib
import logging
from datetime import date

from flask import Blueprint, current_app, g

from ...citizen.booking import BookingDesk
from ...citizen.notify import notifiers_from
from ...citizen.outbox import NotificationWorker
from ...citizen.settings import load_citizen_settings
from ...engine.errors import Refusal
from ..api import BadRequest
from ..auth import Forbidden, Unauthenticated, current_actor
from .texts import TEXT, text, text_table

__all__ = ["bp", "Citizen", "Refused", "TEXT", "text", "text_table", "SUPERVISORS", "STAFF"]

log = logging.getLogger(__name__)
bp = Blueprint("citizen", __name__)

SUPERVISORS = ("supervisor", "admin")
STAFF = ("officer", "supervisor", "admin")


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


def app_ext():
    return current_app.extensions["motcua"]


def citizen_state() -> Citizen:
    return current_app.extensions["motcua_citizen"]


@bp.app_context_processor
def _page_text():
    def citizen_text(*prefixes: str) -> dict[str, str]:
        """The page text for JavaScript (only keys with one of ``prefixes``, if given)."""
        table = text_table(getattr(g, "lang", "vi"))
        return {k: v for k, v in table.items() if not prefixes or k.startswith(prefixes)}

    return {"ct": text, "citizen_text": citizen_text}


# ---------------------------------------------------------------------- errors
class Refused(Refusal):
    """A citizen request refused with a Vietnamese reason (notification opt-ins)."""


# Refusals (Refused, BookingError, RatingRefused) are MotCuaErrors: the app's one error handler
# answers them with their code, message and Vietnamese reason (hall_server/web/errors.py).


def require_role(roles, actor=None):
    actor = actor or current_actor()
    if actor.role == "anonymous":
        raise Unauthenticated("log in first")
    if actor.role not in roles:
        raise Forbidden(f"{actor.role} may not do this")
    return actor


def parse_day(value: str | None, name: str = "day") -> date:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise BadRequest("invalid_query", f"{name} must be a date like 2026-11-26") from None


# ---------------------------------------------------------------------- the features
#: Imported in this order: their JSON endpoints appear in the OpenAPI document in this order.
FEATURES = ("ratings", "notifications", "bookings", "booking_pages")
for _name in FEATURES:
    importlib.import_module(f"{__name__}.{_name}")
