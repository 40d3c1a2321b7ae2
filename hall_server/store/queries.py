"""Figures derived from the stored transition records (never from kept counters).

    >>> rows = ticket_times(store.engine, "demo", start, end)
    >>> rows[0].wait_seconds, rows[0].service_seconds
    (420.0, 610.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from . import schema as t


@dataclass
class TicketTimes:
    ticket_id: int
    code: str
    issue_field: str
    field: str  # the field it ended in
    priority: str | None
    state: str
    issued_at: datetime
    first_called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    counter: int | None
    officer: str | None
    recalls: int
    transfers: int

    @property
    def wait_seconds(self) -> float | None:
        """Issue to first call: what the citizen waited before being called."""
        if self.first_called_at is None:
            return None
        return (self.first_called_at - self.issued_at).total_seconds()

    @property
    def service_seconds(self) -> float | None:
        if self.state != "done" or self.finished_at is None or self.started_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def ticket_times(engine: Engine, centre_id: str, start: datetime, end: datetime) -> list[TicketTimes]:
    """One record per ticket issued in [start, end), built from its transitions."""
    tr = t.transitions
    tk = t.tickets
    with engine.connect() as conn:
        ids = select(tr.c.ticket_id).where(
            tr.c.centre_id == centre_id, tr.c.from_state.is_(None), tr.c.at >= start, tr.c.at < end
        )
        rows = conn.execute(
            select(tr, tk.c.code, tk.c.issue_field, tk.c.priority)
            .join(tk, (tk.c.centre_id == tr.c.centre_id) & (tk.c.id == tr.c.ticket_id))
            .where(tr.c.centre_id == centre_id, tr.c.ticket_id.in_(ids))
            .order_by(tr.c.ticket_id, tr.c.seq, tr.c.id)
        ).all()
    out: dict[int, TicketTimes] = {}
    for r in rows:
        rec = out.get(r.ticket_id)
        if rec is None:
            rec = out[r.ticket_id] = TicketTimes(
                r.ticket_id, r.code, r.issue_field, r.field, r.priority, r.to_state, r.at,
                None, None, None, None, None, 0, 0,
            )
        if r.to_state == "called":
            if r.from_state == "called":
                rec.recalls += 1
            else:
                rec.first_called_at = rec.first_called_at or r.at
                rec.started_at = r.at  # service starts at the call unless started explicitly
        elif r.to_state == "serving":
            rec.started_at = r.at
        elif r.to_state == "waiting" and r.from_state is not None:
            rec.transfers += 1
        if r.to_state in ("done", "no_show", "cancelled", "expired"):
            rec.finished_at = r.at
        rec.state = r.to_state
        rec.field = r.field
        if r.counter is not None:
            rec.counter, rec.officer = r.counter, r.officer
    return list(out.values())
