"""Check the simulator (and so the engine) against Erlang C.

One field, ``c`` counters that all serve it, Poisson arrivals and exponential
service: an M/M/c queue, whose probability of waiting, mean wait and service
level are known exactly (:mod:`hall_server.queueing.erlang`).

Each replication is one simulated day that *starts in equilibrium*: the
number of citizens present at the start is drawn from the stationary M/M/c
distribution (those citizens are served but not measured; exponential
service is memoryless, so their remaining times are again exponential).
Every measured citizen then arrives to a stationary queue, so there is no
warm-up bias, and replications are independent: the 95 % confidence interval
of a figure is the Student-t interval over replications.

Time is scaled so that a replication fits in one service day (the engine
numbers tickets per day, up to 9999 per field): waits are reported in units
of the mean service time, and the service-level target is ``t_target`` mean
service times (15 / 9.3 by default, the hall's 15 minutes over its mean).

>>> row = check_point(c=2, rho=0.5, replications=4, customers=2000, seed=1)
>>> round(row.theory["p_wait"], 4)       # Erlang C(2, 1.0) = 1/3
0.3333
>>> abs(row.estimate["p_wait"] - 1 / 3) < 0.05
True
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass
from datetime import date

from scipy import stats

from hall_server.engine.estimate import DEFAULT_SERVICE_MINUTES
from hall_server.queueing.erlang import erlang_c, mean_wait, service_level

from .arrivals import SimArrival, poisson_stream
from .halls import single_field_hall
from .simulator import Shift, simulate_day

__all__ = ["stationary_count", "replicate", "check_point", "CheckRow", "T_TARGET"]

#: Service-level target in mean service times: 15 min over the hall's 9.3 min.
T_TARGET = 15 / DEFAULT_SERVICE_MINUTES
_DAY = date(2025, 1, 6)
_START, _LAST_ARRIVAL, _CLOSE = 10.0, 1200.0, 1430.0  # minutes after midnight
METRICS = ("p_wait", "mean_wait", "service_level")


def stationary_count(c: int, rho: float, rng: random.Random) -> int:
    """Draw the number in system of a stationary M/M/c queue (load ``c*rho``)."""
    if not 0 < rho < 1:
        raise ValueError("rho must lie in (0, 1)")
    a = c * rho
    weights, term = [], 1.0
    for n in range(c + 1):
        weights.append(term)
        term *= a / (n + 1)
    p_le_c = sum(weights)
    tail = weights[-1] * rho / (1 - rho)  # sum over n > c of P(c) rho^(n-c)
    u = rng.random() * (p_le_c + tail)
    if u < p_le_c:
        acc = 0.0
        for n, w in enumerate(weights):
            acc += w
            if u < acc:
                return n
        return c
    # beyond c the count is geometric: P(n = c + k) ~ rho^k, k >= 1
    return c + 1 + int(math.log(1.0 - rng.random()) / math.log(rho))


def replicate(c: int, rho: float, customers: int, seed: int | str, t_target: float = T_TARGET) -> dict[str, float]:
    """One replication: ``customers`` measured arrivals to a stationary M/M/c
    queue run through the engine.  Returns the share who waited, their mean
    wait and the share called within ``t_target`` (waits in mean service times)."""
    rng = random.Random(f"mmc:{seed}:{c}:{rho}")
    mean_service = (_LAST_ARRIVAL - _START) * c * rho / customers  # minutes, so the day fits
    rate = c * rho / mean_service
    present = stationary_count(c, rho, rng)
    initial = [SimArrival(_START, "X", False, rng.expovariate(1 / mean_service), measured=False)
               for _ in range(present)]
    if present + customers > 9999:
        raise ValueError("a replication takes at most 9999 tickets (one field's numbers in a day)")
    arrivals = initial + poisson_stream("X", rate, mean_service, customers, rng, start=_START)
    config = single_field_hall(c)
    shifts = [Shift(n, _START, _CLOSE, drain=True) for n in config.counters]
    result = simulate_day(config, arrivals, _DAY, shifts=shifts, target_minutes=t_target * mean_service)
    waits = [t.wait / mean_service for t in result.measured]
    return {
        "p_wait": sum(1 for w in waits if w > 0) / len(waits),
        "mean_wait": statistics.fmean(waits),
        "service_level": sum(1 for w in waits if w <= t_target + 1e-12) / len(waits),
    }


def theory(c: int, rho: float, t_target: float = T_TARGET) -> dict[str, float]:
    """Erlang C figures with mean service 1."""
    lam = c * rho
    return {
        "p_wait": erlang_c(c, lam),
        "mean_wait": mean_wait(c, lam, 1.0),
        "service_level": service_level(c, lam, 1.0, t_target),
    }


@dataclass
class CheckRow:
    """One grid point: estimate, 95 % half-width and theory for each metric."""

    c: int
    rho: float
    replications: int
    customers: int
    estimate: dict[str, float]
    half_width: dict[str, float]
    theory: dict[str, float]

    def inside(self, metric: str, widen: float = 1.0) -> bool:
        """Whether theory lies within ``widen`` times the confidence interval."""
        return abs(self.estimate[metric] - self.theory[metric]) <= widen * self.half_width[metric] + 1e-12


def check_point(c: int, rho: float, replications: int, customers: int, seed: int | str = 0,
                t_target: float = T_TARGET, confidence: float = 0.95) -> CheckRow:
    """Run ``replications`` independent replications and compare with Erlang C."""
    if replications < 2:
        raise ValueError("need at least 2 replications for a confidence interval")
    runs = [replicate(c, rho, customers, f"{seed}:{r}", t_target) for r in range(replications)]
    tq = stats.t.ppf(0.5 + confidence / 2, replications - 1)
    est, hw = {}, {}
    for m in METRICS:
        xs = [r[m] for r in runs]
        est[m] = statistics.fmean(xs)
        hw[m] = float(tq) * statistics.stdev(xs) / math.sqrt(replications)
    return CheckRow(c, rho, replications, customers, est, hw, theory(c, rho, t_target))
