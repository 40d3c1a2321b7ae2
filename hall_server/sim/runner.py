"""Run many simulated days: seeded arrivals per day, the same arrivals for
every policy or hall variant (common random numbers), optional parallelism.

Each day's arrivals come from their own generator, seeded by the run's seed
and the date, so a day looks the same whatever other days are simulated with
it, and two policies compared on a seed see exactly the same citizens.

>>> from hall_server.config import load_hall, DEMO_HALL
>>> from hall_server.queueing.profile import SMALL_HALL
>>> config = load_hall(DEMO_HALL)
>>> days = weekdays(date(2025, 3, 3), 2)
>>> days
[datetime.date(2025, 3, 3), datetime.date(2025, 3, 4)]
>>> arrivals = profile_arrivals(SMALL_HALL.for_fields(config.fields), days, seed=1)
>>> results = run_days(config, arrivals)
>>> [len(r.tickets) for r in results] == [len(arrivals[d]) for d in days]
True
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

from hall_server.queueing.profile import HallProfile

from .arrivals import SimArrival, profile_day
from .results import DayResult
from .simulator import Shift, simulate_day

__all__ = ["day_rng", "weekdays", "profile_arrivals", "run_days"]


def day_rng(seed: int | str, day: date) -> random.Random:
    """The random generator of ``day`` in a run seeded ``seed``."""
    return random.Random(f"motcua-sim:{seed}:{day.isoformat()}")


def weekdays(start: date, count: int) -> list[date]:
    """The first ``count`` Monday-to-Friday dates from ``start`` on."""
    if count < 0:
        raise ValueError("count must be >= 0")
    out, d = [], start
    while len(out) < count:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def profile_arrivals(profile: HallProfile, days: Sequence[date], seed: int | str) -> dict[date, list[SimArrival]]:
    """The synthetic arrivals of each of ``days`` (seeded per day)."""
    return {d: profile_day(profile, d, day_rng(seed, d)) for d in days}


def run_days(
    config,
    arrivals: Mapping[date, Sequence[SimArrival]],
    *,
    policy_factory: Callable[[], object] | None = None,
    shifts_for: Callable[[date], Sequence[Shift] | None] | None = None,
    estimators: Mapping[str, object] | None = None,
    walk_minutes: float = 0.0,
    target_minutes: float | None = None,
    controller_for: Callable[[date], object] | None = None,
) -> list[DayResult]:
    """Simulate every day of ``arrivals`` (in date order) on ``config``.

    ``policy_factory`` makes a fresh routing policy per day (default: the
    engine's); ``shifts_for(day)`` gives that day's shifts (default: the hall's
    hours); ``controller_for(day)`` gives a live staffing controller instead
    (see :func:`simulate_day`).  ``estimators`` persist across days, so those that learn from
    finished tickets carry what they learnt from one day to the next.
    """
    out = []
    for day in sorted(arrivals):
        out.append(simulate_day(
            config, arrivals[day], day,
            policy=policy_factory() if policy_factory else None,
            shifts=shifts_for(day) if shifts_for else None,
            estimators=estimators, walk_minutes=walk_minutes, target_minutes=target_minutes,
            controller=controller_for(day) if controller_for else None,
        ))
    return out
