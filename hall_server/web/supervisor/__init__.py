"""The supervisor console: the live hall, alerts, the display notice, the audit log, and reports.

Pages (staff session, supervisor or admin only):

* ``/supervisor``: every field and counter live (Socket.IO, the same snapshot/event protocol as
  the other pages), alerts with what to do, and the supervisor's actions: open, close, pause a
  counter, seat an officer, change a counter's fields, cancel a waiting ticket, set the notice.
  Actions go through the REST API (``X-CSRF-Token``, ``Idempotency-Key``), so the engine applies
  them at the counter's next call and the service writes them to the audit log.
* ``/reports``: figures for a day, month, quarter, year or any range, by field, counter, officer,
  hour or weekday, with charts and CSV/XLSX downloads.

JSON endpoints (in the OpenAPI document): ``GET /api/v1/supervisor/hall``,
``GET /api/v1/supervisor/audit``, ``GET|PUT /api/v1/notice``, ``GET /api/v1/reports``.

Wait alerts are computed by :func:`hall_server.reports.alerts.wait_alerts`; a background checker
(one per app) recomputes them every ``MOTCUA_ALERT_SECONDS`` (10) seconds and soon after every
event, and sends ``wait_alerts`` (a list of alerts) to the centre room when they change::

    socket.on("wait_alerts", alerts => ...)   # [{id, kind, severity, message_vi, action_vi, ...}]
    socket.on("notice", data => ...)          # {"text": "..."} when a supervisor changes the notice

Modules: this one holds the blueprint and who may use it; :mod:`.texts` the page text;
:mod:`.notice` the display notice; :mod:`.alerts` the background alert checker and the per-app
state (:class:`Supervision`); :mod:`.hall` the live hall and the audit log; :mod:`.reports` the
reports (JSON, page, downloads, charts); :mod:`.advice` the staffing advice.
"""

from __future__ import annotations

import importlib
import logging
import os
from functools import wraps

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from ..auth import Forbidden, Unauthenticated, current_actor
from .alerts import CHECK_SECONDS, AlertChecker, Supervision
from .texts import TEXT, text, text_table

log = logging.getLogger(__name__)
bp = Blueprint("supervisor", __name__)

ROLES = ("supervisor", "admin")
WHO = "a supervisor or admin of this centre (staff session)"


# ---------------------------------------------------------------------- who may
def app_ext():
    return current_app.extensions["motcua"]


def own_centre(requested: str | None) -> None:
    """Staff act only for the centre whose hall file lists them (one centre per app today)."""
    cid = app_ext().config.id
    if requested not in (None, "") and requested != cid:
        raise Forbidden(f"you act only for centre {cid}")


def require_supervisor():
    """The calling actor, if a supervisor or admin of this centre; else :class:`Forbidden`."""
    actor = current_actor()
    if actor.role == "anonymous":
        raise Unauthenticated("log in first")
    if actor.role not in ROLES:
        raise Forbidden(f"{actor.role} may not use the supervisor console")
    own_centre(request.args.get("centre"))
    return actor


def supervisor_page(view):
    """A page for supervisors and admins: log in first; others get a 403 page."""

    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.actor.role not in ROLES:
            return render_template("supervisor.html", forbidden=True, st=text, page_data={}), 403
        try:
            own_centre(request.args.get("centre"))
        except Forbidden:
            return render_template("supervisor.html", forbidden=True, st=text, page_data={}), 403
        return view(*args, **kwargs)

    return wrapped


def supervision() -> Supervision:
    return current_app.extensions["motcua_supervisor"]


@bp.record_once
def _setup(state) -> None:
    app = state.app
    ext = app.extensions["motcua"]
    ext.notice = load_notice(ext.store, ext.config.id)
    interval = float(app.config.get("MOTCUA_ALERT_SECONDS", os.environ.get("MOTCUA_ALERT_SECONDS", CHECK_SECONDS)))
    sup = Supervision(ext, interval)
    app.extensions["motcua_supervisor"] = sup
    ext.service.listeners.append(sup.checker.poke)
    sup.checker.start()


@bp.context_processor
def _page_text():
    return {"st": text}


# ---------------------------------------------------------------------- the features
#: Imported in this order: their JSON endpoints appear in the OpenAPI document in this order.
FEATURES = ("hall", "notice", "reports", "advice")
for _name in FEATURES:
    importlib.import_module(f"{__name__}.{_name}")

from .notice import NOTICE_MAX, clean_notice, load_notice, set_notice  # noqa: E402  (needs the names above)

__all__ = ["bp", "ROLES", "WHO", "own_centre", "require_supervisor", "supervisor_page", "supervision",
           "AlertChecker", "Supervision", "CHECK_SECONDS", "NOTICE_MAX", "load_notice", "clean_notice", "set_notice",
           "TEXT", "text", "text_table"]
