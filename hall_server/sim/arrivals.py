"""Arrivals for the simulator: who comes when, to which field, for how long.

A :class:`SimArrival` is one citizen, with times in minutes after the day's
local midnight (the simulator turns them into aware datetimes for the engine).
They come from the synthetic profile (:func:`profile_day`), from a steady
Poisson stream for theory checks (:func:`poisson_stream`) or from a stored
log (:mod:`hall_server.sim.replay`).

>>> import random
>>> from datetime import date
>>> from hall_server.config import load_hall, DEMO_HALL
>>> from hall_server.queueing.profile import SMALL_HALL
>>> config = load_hall(DEMO_HALL)
>>> day = profile_day(SMALL_HALL.for_fields(config.fields), date(2025, 3, 3), random.Random(1))
>>> day[0].minute, day[0].field in config.fields   # 07:30, the crowd at the door
(450.0, True)
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time

from hall_server.queueing.profile import HallProfile, generate_day

__all__ = ["SimArrival", "profile_day", "poisson_stream", "midnight"]


@dataclass(frozen=True)
class SimArrival:
    """One citizen: arrives ``minute`` minutes after local midnight, asks for
    ``field``, is a priority citizen or not, and occupies a counter for
    ``service_minutes`` once called.  ``measured=False`` marks a citizen who
    only sets up the initial state (theory checks) and is left out of reports.
    """

    minute: float
    field: str
    priority: bool
    service_minutes: float
    measured: bool = True

    def __post_init__(self) -> None:
        if not (math.isfinite(self.minute) and 0 <= self.minute < 24 * 60):
            raise ValueError(f"arrival minute must lie in [0, 1440), got {self.minute!r}")
        if not (math.isfinite(self.service_minutes) and self.service_minutes >= 0):
            raise ValueError(f"service_minutes must be finite and >= 0, got {self.service_minutes!r}")


def midnight(day: date, tz) -> datetime:
    """Local midnight of ``day`` in ``tz``, the origin of the simulator's minutes."""
    return datetime.combine(day, time(0), tzinfo=tz)


def profile_day(profile: HallProfile, day: date, rng: random.Random) -> list[SimArrival]:
    """One day of the synthetic ``profile`` (see :func:`generate_day`) as
    :class:`SimArrival` records; ``[]`` on a closed day."""
    origin = midnight(day, profile.tz)
    return [
        SimArrival((a.at - origin).total_seconds() / 60.0, a.field, a.priority, a.service_minutes)
        for a in generate_day(profile, day, rng)
    ]


def poisson_stream(field: str, rate: float, mean_service: float, count: int, rng: random.Random,
                   start: float = 0.0) -> list[SimArrival]:
    """``count`` Poisson arrivals at ``rate`` per minute from ``start``, all to
    ``field``, with exponential service of mean ``mean_service`` minutes.

    >>> s = poisson_stream("X", 0.5, 1.0, 3, random.Random(2))
    >>> len(s), all(a.field == "X" and not a.priority for a in s)
    (3, True)
    """
    if rate <= 0 or mean_service <= 0:
        raise ValueError("rate and mean_service must be > 0")
    out, t = [], start
    for _ in range(count):
        t += rng.expovariate(rate)
        out.append(SimArrival(t, field, False, rng.expovariate(1.0 / mean_service)))
    return out
