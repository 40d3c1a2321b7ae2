"""The supervisor's live view: the hall now, plus today's figures from the stored transitions.

    visits = today_visits(store.engine, config, now)
    with service.read() as hall:
        view = hall_view(hall, visits, now)
    view["fields"][0]["waiting"], view["fields"][0]["service_level"]
    # → (4, 0.92)

*Now* (waiting, longest current wait, each counter's ticket and since when) comes from the
hall in memory; *today* (mean wait, served, service level) from the day's visits.
"""

from __future__ import annotations

from datetime import datetime

from . import figures
from .alerts import AlertSettings, counter_queue, wait_alerts, waiting_today


def today_period(config, now: datetime) -> figures.Period:
    day = now.astimezone(config.tz).date()
    return figures.Period(day, day, "day")


def today_visits(engine, config, now: datetime) -> list[figures.Visit]:
    return figures.load_visits(engine, config, today_period(config, now))


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60.0, 2)


def hall_view(hall, visits: list[figures.Visit], now: datetime, settings: AlertSettings | None = None) -> dict:
    """Everything the supervisor page shows besides the live socket state (call under ``service.read()``)."""
    config = hall.config
    settings = settings or AlertSettings.from_config(config)
    by_field = {r.key: r for r in figures.breakdown(visits, config, "field", as_of=now, all_keys=True,
                                                    target_minutes=settings.wait_target_minutes)}
    by_counter = {r.key: r for r in figures.breakdown(visits, config, "counter", as_of=now,
                                                      target_minutes=settings.wait_target_minutes)}
    fields = []
    for code, fc in config.fields.items():
        waiting = waiting_today(hall, code, now)
        oldest = min((t.issued_at for t in waiting), default=None)
        row = by_field.get(code)
        serving = [k.number for k in hall.counters.values()
                   if getattr(k.status, "value", k.status) == "open" and k.officer and code in k.fields]
        fields.append({
            "code": code, "name": fc.name, "name_en": fc.name_en,
            "waiting": len(waiting),
            "oldest_issued_at": oldest.isoformat() if oldest else None,
            "longest_wait_minutes": _minutes((now - oldest).total_seconds()) if oldest else None,
            "served_today": row.served if row else 0,
            "issued_today": row.issued if row else 0,
            "mean_wait_today": round(row.wait_mean, 2) if row and row.wait_mean is not None else None,
            "service_level_today": round(row.service_level, 4) if row and row.service_level is not None else None,
            "counters": serving,
        })
    counters = []
    for number, k in sorted(hall.counters.items()):
        current = hall.tickets.get(k.ticket) if k.ticket is not None else None
        since = None
        if current is not None:
            since = current.serving_at if current.state.value == "serving" and current.serving_at else current.called_at
        row = by_counter.get(str(number))
        officer = config.officers.get(k.officer) if k.officer else None
        pending_officer = k.pending_officer if k.has_pending_officer else None
        pending = config.officers.get(pending_officer) if pending_officer else None
        counters.append({
            "number": number,
            "name": config.counters[number].label if number in config.counters else f"Quầy {number}",
            "status": k.status.value,
            "officer": k.officer,
            "officer_name": officer.name if officer else None,
            "fields": list(k.fields),
            "pending_fields": list(k.pending_fields) if k.pending_fields is not None else None,
            "has_pending_officer": k.has_pending_officer,
            "pending_officer": pending_officer,
            "pending_officer_name": pending.name if pending else None,
            "current": {"id": current.id, "code": current.code, "field": current.field, "state": current.state.value,
                        "since": since.isoformat() if since else None,
                        "for_minutes": _minutes((now - since).total_seconds()) if since else None}
            if current is not None else None,
            "queue": counter_queue(hall, k),
            "served_today": row.served if row else 0,
            "called_today": row.called if row else 0,
        })
    today = hall.local_day(now)
    waiting = sorted((t for t in hall.tickets.values() if t.state.value == "waiting" and t.service_day >= today),
                     key=lambda t: (t.issued_at, t.id))
    tickets = [{"id": t.id, "code": t.code, "field": t.field, "priority": t.priority,
                "issued_at": t.issued_at.isoformat(), "waited_minutes": _minutes((now - t.issued_at).total_seconds()),
                "transfers": t.transfers} for t in waiting]
    total = figures.summarise(visits, "total", "", settings.wait_target_minutes, now)
    return {
        "seq": hall.seq,
        "now": now.isoformat(),
        "day": today_period(config, now).first.isoformat(),
        "wait_target_minutes": settings.wait_target_minutes,
        "queue_limit": settings.queue_limit,
        "today": {"issued": total.issued or 0, "served": total.served, "no_shows": total.no_shows,
                  "waiting": sum(f["waiting"] for f in fields),
                  "mean_wait": round(total.wait_mean, 2) if total.wait_mean is not None else None,
                  "service_level": round(total.service_level, 4) if total.service_level is not None else None},
        "fields": fields,
        "counters": counters,
        "waiting_tickets": tickets,
        "alerts": wait_alerts(hall, now, settings),
    }
