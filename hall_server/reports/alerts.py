"""Hall alerts from the live queues: long waits, long queues, fields nobody serves.

A pure function of the hall, the time and the settings, so it is tested on small halls::

    >>> from datetime import datetime, timedelta, timezone
    >>> from hall_server.config import DEMO_HALL, load_hall
    >>> from hall_server.engine import Hall, IssueTicket
    >>> hall, at = Hall(load_hall(DEMO_HALL)), datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)
    >>> for _ in range(2):
    ...     _ = hall.execute(IssueTicket(field="DD"), at)
    >>> now = at + timedelta(minutes=20)
    >>> alerts = wait_alerts(hall, now, AlertSettings(wait_target_minutes=15, queue_limit=20))
    >>> alerts[0]["kind"], alerts[0]["action_vi"]
    ('long_wait', 'Mở quầy 9 với cán bộ Ngô Thị Lan, hoặc cho quầy 3 (đang chờ 0 người) nhận thêm lĩnh vực Đất đai.')

Each alert has the same shape as a device alert (hall_server/web/devices.py): ``id``, ``kind``,
``severity``, ``message_vi``/``message_en``, ``action_vi``/``action_en``, ``since``, plus the
``field`` and machine-readable ``suggestions`` (what the supervisor page offers to do in one click).

Suggestions, best first: resume a paused counter that serves the field; open a closed counter
that has an officer; seat a free officer at a closed counter and open it; let the open counter
with the shortest queue among those not serving the field take it as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_QUEUE_LIMIT = 20  # people waiting in one field before the queue is "long" (hall file key: see docs/reports.md)
MAX_SUGGESTIONS = 2


@dataclass(frozen=True)
class AlertSettings:
    wait_target_minutes: float = 15
    queue_limit: int = DEFAULT_QUEUE_LIMIT

    @classmethod
    def from_config(cls, config) -> AlertSettings:
        centre = config.centre
        limit = getattr(centre, "queue_alert_size", None) or DEFAULT_QUEUE_LIMIT
        return cls(wait_target_minutes=centre.wait_target_minutes, queue_limit=int(limit))


def _status(counter) -> str:
    return getattr(counter.status, "value", counter.status)


def _effective_fields(counter) -> tuple[str, ...]:
    return counter.pending_fields if counter.pending_fields is not None else counter.fields


def counter_queue(hall, counter) -> int:
    """People waiting in the fields ``counter`` serves (from its next call)."""
    return sum(len(hall.queues.get(f, ())) for f in _effective_fields(counter))


def free_officers(hall) -> list[str]:
    """Officers seated nowhere and not about to be."""
    seated = {k.officer for k in hall.counters.values() if k.officer}
    pending = {k.pending_officer for k in hall.counters.values() if k.has_pending_officer and k.pending_officer}
    return [o for o in hall.config.officers if o not in seated and o not in pending]


def waiting_today(hall, field: str, now: datetime) -> list:
    """Tickets waiting in ``field``, leaving out those of an earlier day that the hall has not
    expired yet (it does so at the first command of the new day)."""
    if field not in hall.queues:
        return []
    today = hall.local_day(now)
    return [t for t in hall.waiting(field) if t.service_day >= today]


def suggestions(hall, field: str) -> list[dict]:
    """Ways to bring more hands to ``field``, best first."""
    out: list[dict] = []
    counters = sorted(hall.counters.values(), key=lambda k: k.number)
    for k in counters:
        if _status(k) == "paused" and k.officer and field in _effective_fields(k):
            out.append({"action": "resume_counter", "counter": k.number, "officer": k.officer, "field": field})
    for k in counters:
        if _status(k) == "closed" and k.officer and not k.busy:
            out.append({"action": "open_counter", "counter": k.number, "officer": k.officer, "field": field,
                        "add_field": field not in _effective_fields(k)})
    free = free_officers(hall)
    if free:
        for k in counters:
            if _status(k) == "closed" and not k.officer and not k.has_pending_officer:
                out.append({"action": "seat_officer", "counter": k.number, "officer": free[0], "field": field,
                            "add_field": field not in _effective_fields(k)})
                break
    takers = [k for k in counters
              if _status(k) == "open" and k.officer and field not in _effective_fields(k)]
    if takers:
        best = min(takers, key=lambda k: (counter_queue(hall, k), k.number))
        out.append({"action": "add_field", "counter": best.number, "officer": best.officer, "field": field,
                    "queue": counter_queue(hall, best)})
    return out


def _officer_name(hall, officer: str | None) -> str:
    o = hall.config.officers.get(officer) if officer else None
    return o.name if o else (officer or "")


def _field_name(hall, code: str, en: bool = False) -> str:
    f = hall.config.fields.get(code)
    if f is None:
        return code
    return (f.name_en or f.name) if en else f.name


def describe(hall, s: dict, en: bool = False) -> str:
    """One suggestion in words."""
    n, who, field = s["counter"], _officer_name(hall, s.get("officer")), _field_name(hall, s["field"], en)
    if s["action"] == "resume_counter":
        return f"let counter {n} ({who}) resume" if en else f"cho quầy {n} ({who}) làm việc trở lại"
    if s["action"] == "open_counter":
        extra = (f" serving {field}" if en else f" nhận lĩnh vực {field}") if s.get("add_field") else ""
        return f"open counter {n} ({who}){extra}" if en else f"mở quầy {n} ({who}){extra}"
    if s["action"] == "seat_officer":
        extra = (f" for {field}" if en else f" nhận lĩnh vực {field}") if s.get("add_field") else ""
        return f"open counter {n} with {who}{extra}" if en else f"mở quầy {n} với cán bộ {who}{extra}"
    q = s.get("queue", 0)
    if en:
        return f"let counter {n} ({q} waiting) serve {field} too"
    return f"cho quầy {n} (đang chờ {q} người) nhận thêm lĩnh vực {field}"


def action_text(hall, found: list[dict], en: bool = False) -> str:
    if not found:
        return ("No counter or officer is free: ask an officer to come in, or close the field early."
                if en else "Không còn quầy hoặc cán bộ trống: điều thêm cán bộ hoặc báo công dân chờ.")
    parts = [describe(hall, s, en) for s in found[:MAX_SUGGESTIONS]]
    text = (", or " if en else ", hoặc ").join(parts)
    return text[0].upper() + text[1:] + "."


def wait_alerts(hall, now: datetime, settings: AlertSettings | None = None) -> list[dict]:
    """Alerts for the waiting queues of ``hall`` at ``now`` (most urgent first)."""
    settings = settings or AlertSettings.from_config(hall.config)
    target = timedelta(minutes=settings.wait_target_minutes)
    alerts: list[dict] = []
    for code in hall.config.fields:
        waiting = waiting_today(hall, code, now)
        if not waiting:
            continue
        name_vi, name_en = _field_name(hall, code), _field_name(hall, code, True)
        oldest = min(t.issued_at for t in waiting)
        longest = now - oldest
        served = any(_status(k) == "open" and code in _effective_fields(k)
                     and (k.officer or (k.has_pending_officer and k.pending_officer))
                     for k in hall.counters.values())
        found = None

        def helpers(code=code):
            nonlocal found
            if found is None:
                found = suggestions(hall, code)
            return found

        if not served:
            alerts.append({
                "id": f"unserved:{code}", "kind": "unserved", "severity": "error", "field": code,
                "message_vi": f"{name_vi}: {len(waiting)} người đang chờ nhưng không có quầy nào mở phục vụ",
                "message_en": f"{name_en}: {len(waiting)} waiting but no open counter serves it",
                "action_vi": action_text(hall, helpers()), "action_en": action_text(hall, helpers(), True),
                "since": oldest.isoformat(), "waiting": len(waiting),
                "longest_wait_minutes": round(longest.total_seconds() / 60, 1), "suggestions": helpers(),
            })
        if longest > target:
            minutes = int(longest.total_seconds() // 60)
            alerts.append({
                "id": f"wait:{code}", "kind": "long_wait",
                "severity": "error" if longest > 2 * target else "warning", "field": code,
                "message_vi": f"{name_vi}: có người đã chờ {minutes} phút "
                              f"(mục tiêu {settings.wait_target_minutes:g} phút)",
                "message_en": f"{name_en}: someone has waited {minutes} min "
                              f"(target {settings.wait_target_minutes:g} min)",
                "action_vi": action_text(hall, helpers()), "action_en": action_text(hall, helpers(), True),
                "since": (oldest + target).isoformat(), "waiting": len(waiting),
                "longest_wait_minutes": round(longest.total_seconds() / 60, 1), "suggestions": helpers(),
            })
        if len(waiting) > settings.queue_limit:
            alerts.append({
                "id": f"queue:{code}", "kind": "long_queue", "severity": "warning", "field": code,
                "message_vi": f"{name_vi}: {len(waiting)} người đang chờ (ngưỡng {settings.queue_limit})",
                "message_en": f"{name_en}: {len(waiting)} waiting (limit {settings.queue_limit})",
                "action_vi": action_text(hall, helpers()), "action_en": action_text(hall, helpers(), True),
                "since": now.isoformat(), "waiting": len(waiting),
                "longest_wait_minutes": round(longest.total_seconds() / 60, 1), "suggestions": helpers(),
            })
    order = {"error": 0, "warning": 1}
    alerts.sort(key=lambda a: (order.get(a["severity"], 2), -a["longest_wait_minutes"]))
    return alerts


def alert_signature(alerts: list[dict]) -> tuple:
    """What makes two alert lists different enough to send again (not the minutes ticking)."""
    return tuple(sorted((a["id"], a["severity"], a.get("action_vi", "")) for a in alerts))
