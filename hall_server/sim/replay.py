"""Replay a centre's stored days: the citizens who really came, as simulator arrivals.

The tickets and their transitions are read from the hall database
(:func:`hall_server.store.queries.ticket_times`, SQLAlchemy).  Each ticket
becomes a :class:`~hall_server.sim.arrivals.SimArrival` at its issue time,
in the field it was issued for, priority if it had a priority category, with
the service time it really took (start of service to finish).  A ticket
that was never served (expired, or still waiting) is replayed with the
median service time of its field that day, since it was demand the hall did
not meet; cancelled tickets and no-shows are left out (they took no counter
time).  Replaying a day through another hall file or policy answers "what if
we had staffed it differently?"::

    arrivals = stored_arrivals("sqlite:///data/hall.db", config, date(2026, 11, 2), date(2026, 11, 6))
"""

from __future__ import annotations

import statistics
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine

from hall_server.engine.estimate import DEFAULT_SERVICE_MINUTES
from hall_server.store.db import make_engine
from hall_server.store.queries import ticket_times

from .arrivals import SimArrival, midnight

__all__ = ["stored_arrivals"]

_SKIP = ("cancelled", "no_show")


def stored_arrivals(db: str | Engine, config, first: date, last: date) -> dict[date, list[SimArrival]]:
    """Arrivals of each day from ``first`` to ``last`` (inclusive) that has
    tickets in the store ``db`` (a URL or an engine) for ``config``'s centre.
    Raises :class:`ValueError` for an empty range."""
    if last < first:
        raise ValueError(f"the last day {last} is before the first {first}")
    engine = make_engine(db) if isinstance(db, str) else db
    tz = config.tz
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    rows = ticket_times(engine, config.id, start, end)
    by_day: dict[date, list] = {}
    for r in rows:
        by_day.setdefault(r.issued_at.astimezone(tz).date(), []).append(r)
    out: dict[date, list[SimArrival]] = {}
    for day, items in sorted(by_day.items()):
        origin = midnight(day, tz)
        medians: dict[str, float] = {}
        for field in {r.issue_field for r in items}:
            served = [r.service_seconds / 60 for r in items if r.issue_field == field and r.service_seconds]
            medians[field] = statistics.median(served) if served else DEFAULT_SERVICE_MINUTES
        arrivals = []
        for r in items:
            if r.state in _SKIP or r.issue_field not in config.fields:
                continue
            service = r.service_seconds / 60 if r.service_seconds is not None else medians[r.issue_field]
            arrivals.append(SimArrival((r.issued_at - origin).total_seconds() / 60, r.issue_field,
                                       r.priority is not None, service))
        arrivals.sort(key=lambda a: a.minute)
        out[day] = arrivals
    return out
