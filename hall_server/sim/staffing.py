"""Run a staffing plan in the simulator: a hall whose counters open and close
slot by slot as :mod:`hall_server.queueing.advice` says.

Each group owns as many counters as its highest count in any plan; in a slot
the group's first ``count`` counters are open, serving the group's fields.
A counter that the next slot no longer needs closes once its current
citizen is done; at the end of a session every counter keeps calling until
nobody it serves is waiting.

>>> from hall_server.config import load_hall
>>> from hall_server.queueing.advice import FieldGroup, forecast, plan_day
>>> from hall_server.queueing.profile import SMALL_HALL
>>> base = load_hall("config/sim_small.toml")
>>> groups = [FieldGroup("Tất cả", tuple(base.fields))]
>>> plan = plan_day(forecast(SMALL_HALL.for_fields(base.fields), 2, groups))
>>> config = plan_hall(base, [plan])
>>> shifts = plan_shifts(group_counters([plan]), plan)
>>> min(s.start for s in shifts), max(s.end for s in shifts)
(450.0, 1020.0)
"""

from __future__ import annotations

from collections.abc import Sequence

from hall_server.config import HallConfig, parse_hall

from .simulator import Shift

__all__ = ["plan_hall", "plan_shifts", "group_counters"]


def group_counters(plans: Sequence) -> dict[str, list[int]]:
    """Counter numbers owned by each group: enough for its busiest slot in any plan."""
    groups = plans[0].groups
    out, n = {}, 1
    for g in groups:
        peak = max(max(p.counts[g.name]) for p in plans)
        out[g.name] = list(range(n, n + peak))
        n += peak
    return out


def plan_hall(base: HallConfig, plans: Sequence) -> HallConfig:
    """``base`` (its centre, hours, fields, priorities) with the counters and
    officers the plans need, each counter serving its group's fields."""
    owned = group_counters(plans)
    data = base.raw.model_dump(mode="json")
    fields_of = {g.name: list(g.fields) for g in plans[0].groups}
    data["counters"] = [
        {"number": n, "name": f"Quầy {n} – {name}", "fields": fields_of[name], "officer": f"cb{n:02d}"}
        for name, numbers in owned.items() for n in numbers
    ]
    data["officers"] = [{"id": c["officer"], "name": f"Cán bộ {c['number']}"} for c in data["counters"]]
    data["devices"], data["staff"] = [], []
    return parse_hall(data, f"{base.source} (staffing plan)")


def plan_shifts(owned: dict[str, list[int]], plan) -> list[Shift]:
    """The shifts of one day's ``plan``; ``owned`` is :func:`group_counters`
    of the plans the hall was made for."""
    shifts = []
    slots = plan.slots
    for g in plan.groups:
        counts = plan.counts[g.name]
        for j, number in enumerate(owned[g.name]):
            start = None
            for i, s in enumerate(slots):
                open_now = counts[i] > j
                last = i + 1 == len(slots) or slots[i + 1].session != s.session
                if open_now and start is None:
                    start = s.start
                if start is not None and (not open_now or last):
                    end = s.end if open_now else s.start
                    shifts.append(Shift(number, start, end, drain=open_now and last))
                    start = None
    return shifts


class LiveStaffing:
    """A simulator controller that staffs each slot as a
    :class:`~hall_server.queueing.advice.LivePlanner` advises from the live
    hall (the supervisor following the advice every half-hour).

    ``owned`` is :func:`group_counters` of the hall; counters already open
    are kept before others are opened, so officers move as little as possible.
    """

    def __init__(self, planner, owned: dict[str, list[int]]):
        self.planner = planner
        self.owned = owned
        self.decisions: list[tuple[float, dict[str, int]]] = []

    def times(self, day) -> list[float]:
        return [s.start for s in self.planner.demand.slots]

    def sessions(self, day) -> list[tuple[float, float]]:
        spans: dict[int, list[float]] = {}
        for s in self.planner.demand.slots:
            span = spans.setdefault(s.session, [s.start, s.end])
            span[1] = max(span[1], s.end)
        return [tuple(v) for v in spans.values()]

    def decide(self, hall, now) -> dict[int, None]:
        counts = self.planner.counts_for_hall(hall, now)
        local = now.astimezone(hall.config.tz)
        self.decisions.append((local.hour * 60 + local.minute + local.second / 60, counts))
        wanted: dict[int, None] = {}
        for name, numbers in self.owned.items():
            n = min(counts.get(name, 0), len(numbers))
            is_open = [k for k in numbers if hall.counters[k].status.value == "open"]
            closed = [k for k in numbers if k not in is_open]
            for k in (is_open + closed)[:n]:
                wanted[k] = None
        return wanted
