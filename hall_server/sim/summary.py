"""Figures over simulated days: waits per field, service level, utilisation.

>>> from datetime import date
>>> from hall_server.sim.results import DayResult, TicketRecord, CounterRecord
>>> day = DayResult(date(2025, 3, 5), [
...     TicketRecord(1, "DD", False, 480, 10, called=480), TicketRecord(2, "DD", True, 481, 10, called=500),
...     TicketRecord(3, "CT", False, 482, 5, called=482)], {1: CounterRecord(1, 60, 25, 3)})
>>> s = summarise([day])
>>> round(s.mean_wait, 3), round(s.service_level, 3), s.fields["DD"].mean_wait
(6.333, 0.667, 9.5)
>>> s.counters[1].utilisation
0.4166666666666667
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .results import DayResult, TicketRecord

__all__ = ["WaitStats", "CounterStats", "Summary", "summarise", "wait_stats"]


@dataclass(frozen=True)
class WaitStats:
    """Waits of a group of citizens (minutes); uncalled citizens count in
    ``count`` and ``unserved`` and as late in ``service_level`` only."""

    count: int
    unserved: int
    mean_wait: float
    p90_wait: float
    max_wait: float
    service_level: float


def _quantile(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    s = sorted(values)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def wait_stats(tickets: Iterable[TicketRecord], target: float) -> WaitStats:
    """:class:`WaitStats` of ``tickets`` against ``target`` minutes."""
    rows = list(tickets)
    waits = [t.wait for t in rows if t.wait is not None]
    n = len(rows)
    return WaitStats(
        n,
        n - len(waits),
        statistics.fmean(waits) if waits else math.nan,
        _quantile(waits, 0.9),
        max(waits) if waits else math.nan,
        sum(1 for w in waits if w <= target + 1e-9) / n if n else math.nan,
    )


@dataclass(frozen=True)
class CounterStats:
    """One counter over all days: hours open, hours busy, citizens served."""

    number: int
    open_hours: float
    busy_hours: float
    served: int

    @property
    def utilisation(self) -> float | None:
        return self.busy_hours / self.open_hours if self.open_hours > 0 else None


@dataclass
class Summary:
    """Figures over a set of simulated days (see :func:`summarise`)."""

    days: int
    target_minutes: float
    overall: WaitStats
    priority: WaitStats
    others: WaitStats
    fields: dict[str, WaitStats]
    counters: dict[int, CounterStats]
    day_service_levels: list[float] = field(default_factory=list)

    @property
    def mean_wait(self) -> float:
        return self.overall.mean_wait

    @property
    def service_level(self) -> float:
        return self.overall.service_level

    @property
    def officer_hours_per_day(self) -> float:
        return sum(c.open_hours for c in self.counters.values()) / self.days if self.days else 0.0

    @property
    def utilisation(self) -> float | None:
        """Busy share of all open counter time."""
        open_h = sum(c.open_hours for c in self.counters.values())
        return sum(c.busy_hours for c in self.counters.values()) / open_h if open_h else None

    @property
    def worst_field(self) -> tuple[str, WaitStats]:
        """The field with the highest mean wait (among fields with citizens)."""
        rows = [(k, v) for k, v in self.fields.items() if v.count - v.unserved > 0]
        return max(rows, key=lambda kv: kv[1].mean_wait)

    def share_of_days_meeting(self, target_share: float = 0.8) -> float:
        """Share of days whose service level reached ``target_share``."""
        levels = self.day_service_levels
        return sum(1 for x in levels if x >= target_share - 1e-12) / len(levels) if levels else math.nan


def summarise(results: Sequence[DayResult], target: float | None = None) -> Summary:
    """Summarise simulated days (only measured citizens count)."""
    if not results:
        raise ValueError("no simulated days to summarise")
    target = results[0].target_minutes if target is None else target
    rows = [t for r in results for t in r.measured]
    by_field: dict[str, list[TicketRecord]] = {}
    for t in rows:
        by_field.setdefault(t.field, []).append(t)
    counters: dict[int, list[float]] = {}
    for r in results:
        for n, c in r.counters.items():
            acc = counters.setdefault(n, [0.0, 0.0, 0])
            acc[0] += c.open_minutes / 60
            acc[1] += c.busy_minutes / 60
            acc[2] += c.served
    levels = [lv for r in results if (lv := r.service_level(target)) is not None]
    return Summary(
        days=len(results),
        target_minutes=target,
        overall=wait_stats(rows, target),
        priority=wait_stats((t for t in rows if t.priority), target),
        others=wait_stats((t for t in rows if not t.priority), target),
        fields={k: wait_stats(v, target) for k, v in sorted(by_field.items())},
        counters={n: CounterStats(n, a[0], a[1], int(a[2])) for n, a in sorted(counters.items())},
        day_service_levels=levels,
    )
