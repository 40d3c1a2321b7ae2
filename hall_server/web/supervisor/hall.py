"""The live hall: the ``/supervisor`` page, its JSON view, and the audit log."""

from __future__ import annotations

from flask import g, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ...reports.live import hall_view
from ...store import schema as t
from .. import schemas as s
from ..api import BadRequest, add_query
from . import WHO, app_ext, bp, require_supervisor, supervision, supervisor_page
from .texts import text_table

AUDIT_ROWS = 100


class FieldNowOut(s.Out):
    code: str
    name: str
    name_en: str
    waiting: int
    oldest_issued_at: str | None
    longest_wait_minutes: float | None
    served_today: int
    issued_today: int
    mean_wait_today: float | None
    service_level_today: float | None
    counters: list[int]


class CurrentTicketOut(s.Out):
    id: int
    code: str
    field: str
    state: str
    since: str | None
    for_minutes: float | None


class CounterNowOut(s.Out):
    number: int
    name: str
    status: str
    officer: str | None
    officer_name: str | None
    fields: list[str]
    pending_fields: list[str] | None
    has_pending_officer: bool
    pending_officer: str | None
    pending_officer_name: str | None
    current: CurrentTicketOut | None
    queue: int
    served_today: int
    called_today: int


class WaitingTicketOut(s.Out):
    id: int
    code: str
    field: str
    priority: str | None
    issued_at: str
    waited_minutes: float | None
    transfers: int


class TodayOut(s.Out):
    issued: int
    served: int
    no_shows: int
    waiting: int
    mean_wait: float | None
    service_level: float | None


class SupervisorHallOut(s.Out):
    seq: int
    now: str
    day: str
    wait_target_minutes: float
    queue_limit: int
    today: TodayOut
    fields: list[FieldNowOut]
    counters: list[CounterNowOut]
    waiting_tickets: list[WaitingTicketOut]
    alerts: list[dict]
    device_alerts: list[dict]
    notice: str


class AuditRowOut(s.Out):
    id: int
    at: str
    actor: str
    role: str
    action: str
    detail: dict
    outcome: str


class AuditOut(s.Out):
    rows: list[AuditRowOut]


@add_query("GET", "/supervisor/hall", "The live hall for supervisors: fields and counters now and today, "
           "waiting tickets, wait and device alerts", WHO, SupervisorHallOut, public=False)
def hall_now(args):
    require_supervisor()
    ext = app_ext()
    sup = supervision()
    now = ext.service.clock()
    with ext.service.read() as hall:
        seq = hall.seq
    visits = sup.visits_today(ext, seq, now)
    with ext.service.read() as hall:
        view = hall_view(hall, visits, now, sup.checker.settings)
    view["device_alerts"] = ext.devices.snapshot()["alerts"]
    view["notice"] = ext.notice
    return view


@add_query("GET", "/supervisor/audit", "The audit log, newest first (query: limit, at most 500; default 100)",
           WHO, AuditOut, public=False)
def audit_log(args):
    require_supervisor()
    try:
        limit = int(request.args.get("limit", AUDIT_ROWS))
    except ValueError:
        raise BadRequest("invalid_query", "limit must be an integer") from None
    if not 1 <= limit <= 500:
        raise BadRequest("invalid_query", "limit must be between 1 and 500")
    ext = app_ext()
    a, tk = t.audit, t.tickets
    with ext.store.engine.connect() as conn:
        rows = conn.execute(select(a).where(a.c.centre_id == ext.config.id).order_by(a.c.id.desc()).limit(limit)).all()
        ids = {r.detail.get("ticket") for r in rows
               if isinstance(r.detail, dict) and isinstance(r.detail.get("ticket"), int)}
        codes = dict(conn.execute(select(tk.c.id, tk.c.code).where(tk.c.centre_id == ext.config.id,
                                                                  tk.c.id.in_(ids))).all()) if ids else {}
    out = []
    for r in rows:
        detail = dict(r.detail) if isinstance(r.detail, dict) else {}
        if detail.get("ticket") in codes:
            detail["ticket_code"] = codes[detail["ticket"]]
        out.append({"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "role": r.role, "action": r.action,
                    "detail": detail, "outcome": r.outcome})
    return {"rows": out}


# ---------------------------------------------------------------------- the page
def _officers_for_page(config) -> list[dict]:
    return [{"id": o.id, "name": o.name, "title": o.title} for o in config.officers.values()]


@bp.get("/supervisor")
@supervisor_page
def supervisor():
    ext = app_ext()
    settings = supervision().checker.settings
    data = {"text": text_table(g.lang), "role": current_user.actor.role, "target": settings.wait_target_minutes,
            "queue_limit": settings.queue_limit, "notice": ext.notice, "counter_names": {
                str(n): k.label for n, k in ext.config.counters.items()}}
    return render_template("supervisor.html", forbidden=False, page_data=data, officers=_officers_for_page(ext.config))
