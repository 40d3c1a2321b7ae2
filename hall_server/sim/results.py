"""What one simulated day produced: a record per citizen and per counter.

Times are minutes after the day's local midnight.  Waits are read from the
engine's own tickets (issue to first call), exactly as the hall's reports do.

>>> t = TicketRecord(1, "DD", False, issued=480.0, service=10.0, called=492.5)
>>> t.wait
12.5
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["TicketRecord", "CounterRecord", "DayResult"]


@dataclass
class TicketRecord:
    """One citizen of a simulated day.

    ``called`` is ``None`` for a citizen nobody called (no counter served the
    field before the day ended).  ``estimates`` maps an estimator's name to the
    wait it predicted at issue (minutes, or ``None`` if it could not say).
    """

    id: int
    field: str
    priority: bool
    issued: float
    service: float
    called: float | None = None
    finished: float | None = None
    counter: int | None = None
    measured: bool = True
    estimates: dict[str, float | None] = field(default_factory=dict)

    @property
    def wait(self) -> float | None:
        """Minutes from issue to call, or ``None`` if never called."""
        return None if self.called is None else self.called - self.issued


@dataclass
class CounterRecord:
    """One counter over a simulated day: minutes open with an officer, minutes
    busy with a citizen (call to finish) and citizens served."""

    number: int
    open_minutes: float = 0.0
    busy_minutes: float = 0.0
    served: int = 0

    @property
    def utilisation(self) -> float | None:
        """Busy share of the open time, ``None`` if the counter never opened."""
        return self.busy_minutes / self.open_minutes if self.open_minutes > 0 else None


@dataclass
class DayResult:
    """Everything measured on one simulated day."""

    day: date
    tickets: list[TicketRecord]
    counters: dict[int, CounterRecord]
    target_minutes: float = 15.0
    policy: str = ""

    @property
    def measured(self) -> list[TicketRecord]:
        return [t for t in self.tickets if t.measured]

    def service_level(self, target: float | None = None) -> float | None:
        """Share of measured citizens called within ``target`` minutes (an
        uncalled citizen counts as late); ``None`` on a day without citizens."""
        target = self.target_minutes if target is None else target
        rows = self.measured
        if not rows:
            return None
        return sum(1 for t in rows if t.wait is not None and t.wait <= target + 1e-9) / len(rows)

    @property
    def officer_hours(self) -> float:
        """Hours counters were open with an officer, summed over counters."""
        return sum(c.open_minutes for c in self.counters.values()) / 60.0
