"""The wait estimate printed on a ticket and shown on the phone.

:class:`ReplayEstimator` plays the hall forward from its current state: every
open counter becomes free after the expected remaining time of the citizen it
holds, then takes the ticket the hall's own routing policy would give it,
keeps it for that field's mean service time, and so on until the ticket in
question is called.  It therefore knows which counters serve which fields,
the priority head starts already in the queue keys, pending field changes,
and how far along each counter is.

Service times are learnt per field by :class:`ServiceTimes`: exponentially
smoothed means (``alpha`` 0.15) and coefficients of variation of the finished
services, seeded with a prior (the synthetic profile's field means, or the
overall 9.3 minutes).  A counter's remaining time is the mean residual life
of a lognormal with that mean and CV, given how long the service has lasted.

A deterministic replay waits for the *expected* end of each service, but the
first of several uncertain ends comes sooner than the earliest expected end
(the mean of a minimum is below the minimum of the means).  The replay
corrects for that by shrinking the spread of the counters' expected ends
towards the soonest of them by the factor ``1 - stagger`` (a factor calibrated on
simulated days, see docs/simulation.md).

Plugging it into the server (it is pure, and takes well under a
millisecond for a hall of 20 counters and 200 waiting tickets)::

    estimator = ReplayEstimator(ServiceTimes.from_profile(SMALL_HALL.for_fields(config.fields)))
    service = HallService(config, store, estimator=estimator)  # (hall, ticket) -> minutes | None
    estimator.learn_from_hall(service.hall)        # today's finished tickets, after a restart
    service.listeners.append(estimator.listener)   # keeps learning from finished tickets

>>> from datetime import datetime, timedelta, timezone
>>> from hall_server.config import load_hall, DEMO_HALL
>>> from hall_server.engine import Hall, IssueTicket, CallNext, StartServing
>>> hall = Hall(load_hall(DEMO_HALL))
>>> t0 = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)
>>> first = hall.execute(IssueTicket(field="XD"), t0).ticket
>>> _ = hall.execute(CallNext(1), t0), hall.execute(StartServing(1), t0)
>>> second = hall.execute(IssueTicket(field="XD"), t0 + timedelta(minutes=2)).ticket
>>> est = ReplayEstimator(ServiceTimes(default=12.0, cv=0.0))
>>> est(hall, second)              # counter 1 (the only XD counter) ends at 12 min
10.0
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import datetime

from hall_server.engine.estimate import DEFAULT_SERVICE_MINUTES

__all__ = ["ServiceTimes", "ReplayEstimator", "lognormal_residual"]

DEFAULT_CV = 0.7
_SQRT2 = math.sqrt(2.0)


def lognormal_residual(mean: float, cv: float, elapsed: float) -> float:
    """Expected remaining time ``E[S - e | S > e]`` of a lognormal service time
    ``S`` with ``mean`` and coefficient of variation ``cv`` that has lasted
    ``elapsed`` (all in minutes).  ``cv == 0`` means a fixed time.

    >>> lognormal_residual(10.0, 0.7, 0.0)
    10.0
    >>> 0 < lognormal_residual(10.0, 0.7, 8.0) < 10.0
    True
    >>> lognormal_residual(10.0, 0.0, 4.0)
    6.0
    """
    if elapsed <= 0.0:
        return mean
    if cv <= 1e-9:
        return max(mean - elapsed, 0.0)
    s2 = math.log1p(cv * cv)
    s = math.sqrt(s2)
    mu = math.log(mean) - s2 / 2
    z = (mu - math.log(elapsed)) / s
    survive = 0.5 * math.erfc(-z / _SQRT2)  # P(S > e)
    if survive < 1e-12:
        return mean * 0.05  # far beyond any expected length: it is ending now
    partial = 0.5 * math.erfc(-(z + s) / _SQRT2)  # E[S 1{S>e}] / mean
    return max(mean * partial / survive - elapsed, 0.0)


class ServiceTimes:
    """Per-field service times, exponentially smoothed from finished tickets.

    ``means`` is the prior mean per field (minutes), ``default`` the prior of a
    field not in it, ``cv`` the prior coefficient of variation, ``alpha`` the
    smoothing weight of each new observation.  ``walk`` is the smoothed time
    from a call until the citizen sits down (``ticket_started``).

    >>> st = ServiceTimes({"DD": 12.0}, alpha=0.5)
    >>> st.update("DD", 8.0); st.mean("DD")
    10.0
    >>> st.mean("CT")
    9.3
    """

    def __init__(self, means: Mapping[str, float] | None = None, *, default: float = DEFAULT_SERVICE_MINUTES,
                 cv: float = DEFAULT_CV, alpha: float = 0.15, cvs: Mapping[str, float] | None = None):
        if not 0 < alpha <= 1:
            raise ValueError("alpha must lie in (0, 1]")
        if default <= 0 or cv < 0:
            raise ValueError("default must be > 0 and cv >= 0")
        self.alpha = float(alpha)
        self.default = float(default)
        self.default_cv = float(cv)
        self._mean: dict[str, float] = {k: float(v) for k, v in (means or {}).items()}
        self._m2: dict[str, float] = {}  # smoothed second moment
        for k, m in self._mean.items():
            c = (cvs or {}).get(k, cv)
            self._m2[k] = m * m * (1 + c * c)
        self.walk = 0.0
        self.observed = 0

    @classmethod
    def from_profile(cls, profile, alpha: float = 0.15) -> ServiceTimes:
        """Priors from a :class:`~hall_server.queueing.profile.HallProfile`."""
        return cls({f.code: f.mean_minutes for f in profile.fields},
                   cvs={f.code: f.cv for f in profile.fields},
                   default=profile.mean_service_minutes(), alpha=alpha)

    def mean(self, field: str) -> float:
        return self._mean.get(field, self.default)

    def cv(self, field: str) -> float:
        m = self._mean.get(field)
        if m is None:
            return self.default_cv
        var = self._m2[field] - m * m
        return math.sqrt(var) / m if var > 0 else 0.0

    def update(self, field: str, minutes: float) -> None:
        """Learn one finished service of ``minutes`` in ``field``."""
        if not (math.isfinite(minutes) and minutes >= 0):
            return
        a = self.alpha
        m = self._mean.get(field)
        if m is None:
            m = self.default
            self._m2[field] = m * m * (1 + self.default_cv ** 2)
        self._mean[field] = (1 - a) * m + a * minutes
        self._m2[field] = (1 - a) * self._m2[field] + a * minutes * minutes
        self.observed += 1

    def observe(self, events: Iterable) -> None:
        """Learn from engine events (``ticket_finished``, ``ticket_started``)."""
        for e in events:
            if e.kind == "ticket_finished":
                t = e.data["ticket"]
                start = t.get("serving_at") or t.get("called_at")
                if start and t.get("finished_at"):
                    minutes = (datetime.fromisoformat(t["finished_at"])
                               - datetime.fromisoformat(start)).total_seconds() / 60.0
                    self.update(t["field"], minutes)
            elif e.kind == "ticket_started":
                t = e.data["ticket"]
                if t.get("called_at") and t.get("serving_at"):
                    walk = (datetime.fromisoformat(t["serving_at"])
                            - datetime.fromisoformat(t["called_at"])).total_seconds() / 60.0
                    self.walk = (1 - self.alpha) * self.walk + self.alpha * max(walk, 0.0)

    def learn_from_hall(self, hall) -> None:
        """Learn from the finished tickets the hall holds (today's), in order."""
        done = [t for t in hall.tickets.values() if t.state.value == "done" and t.finished_at is not None]
        for t in sorted(done, key=lambda t: t.finished_at):
            start = t.serving_at or t.called_at
            if start is not None:
                self.update(t.field, (t.finished_at - start).total_seconds() / 60.0)


class ReplayEstimator:
    """``(hall, ticket) -> minutes until called`` by replaying the hall forward.

    ``service_times``: learnt service times (default: 9.3 minutes, CV 0.7, for
    every field).  ``stagger``: how far the counters' expected free times are
    pulled towards the soonest (0 = plain replay).  ``max_steps`` bounds the
    replay: tickets further back are estimated at the replay's pace so far.  Returns ``0.0`` for a ticket no
    longer waiting and ``None`` when no open, staffed counter serves its field.
    """

    name = "replay"

    def __init__(self, service_times: ServiceTimes | None = None, *, stagger: float = 0.6,
                 max_steps: int = 300):
        if not 0 <= stagger <= 1:
            raise ValueError("stagger must lie in [0, 1]")
        self.service_times = service_times or ServiceTimes()
        self.stagger = float(stagger)
        self.max_steps = int(max_steps)

    # learning, for the simulator (observe) and the server (listener)
    def observe(self, events) -> None:
        self.service_times.observe(events)

    def listener(self, events, service=None) -> None:
        """A :class:`~hall_server.service.HallService` listener: learn from events."""
        self.service_times.observe(events)

    def learn_from_hall(self, hall) -> None:
        self.service_times.learn_from_hall(hall)

    def __call__(self, hall, ticket, now: datetime | None = None) -> float | None:
        if ticket.state != "waiting":  # states and statuses are str enums
            return 0.0
        now = now or ticket.issued_at
        free, served = self._free_counters(hall, now)
        if ticket.field not in served:
            return None
        # Only tickets routed ahead of this one can delay it under oldest-eligible-first:
        # the replay stops at it.
        for chosen, at in self._replay(hall, free, until=hall.key(ticket)):
            if chosen == ticket.id:
                return at
        return None

    def estimates(self, hall, now: datetime) -> dict[int, float | None]:
        """Minutes until called for every waiting ticket, from one replay of the hall at ``now``.

        The same numbers as calling the estimator for each ticket with the same ``now``, at the
        cost of one call (phones following thousands of tickets are updated together).
        """
        free, served = self._free_counters(hall, now)
        out: dict[int, float | None] = {}
        for code, queue in hall.queues.items():
            if code not in served:
                out.update((tid, None) for _, tid in queue)
        if served:
            out.update(self._replay(hall, free))
        return out

    def _free_counters(self, hall, now: datetime) -> tuple[list[list], set[str]]:
        """The counters that will call, each with when it is first free; and the fields they serve."""
        st = self.service_times
        free: list[list] = []
        served: set[str] = set()
        for counter in hall.counters.values():
            if counter.status != "open":
                continue
            officer = counter.officer
            if counter.has_pending_officer and not counter.busy:
                officer = counter.pending_officer
            if not officer:
                continue
            fields = counter.pending_fields if counter.pending_fields is not None else counter.fields
            if not fields:
                continue
            served.update(fields)
            at = 0.0
            if counter.ticket is not None:
                held = hall.tickets[counter.ticket]
                mean = st.mean(held.field)
                if held.state == "called":
                    since = (now - held.called_at).total_seconds() / 60.0
                    at = max(st.walk - since, 0.0) + mean
                else:
                    start = held.serving_at or held.called_at
                    elapsed = (now - start).total_seconds() / 60.0
                    at = lognormal_residual(mean, st.cv(held.field), elapsed)
            free.append([at, counter.number, fields])
        busy = [f for f in free if f[0] > 0.0]
        if len(busy) > 1 and self.stagger > 0:
            soonest = min(f[0] for f in busy)
            keep = 1.0 - self.stagger
            for f in busy:
                f[0] = soonest + (f[0] - soonest) * keep
        return free, served

    def _replay(self, hall, free: list[list], until=None):
        """Yield ``(ticket id, minutes until called)`` in the order the counters would call them.

        ``until``: a queue key; under oldest-eligible-first only tickets up to it are replayed.
        After ``max_steps`` calls the rest are extrapolated at the pace of the replay so far (a
        queue that long is beyond any hall; the cost of an estimate stays bounded).
        """
        policy = hall.policy
        oldest_first = getattr(policy, "name", "") == "oldest_eligible_first"
        queues: dict[str, deque] = {}
        for code, queue in hall.queues.items():
            if not queue:
                continue
            if oldest_first and until is not None:
                n = bisect.bisect_right(queue, until)
                if n:
                    queues[code] = deque(queue[:n])
            else:
                queues[code] = deque(queue)
        tickets = hall.tickets
        means = {code: self.service_times.mean(code) for code in queues}
        heap = [(at, number, fields) for at, number, fields in free]
        heapq.heapify(heap)
        choose, pop, push = policy.choose, heapq.heappop, heapq.heappush
        first = last = None
        for _ in range(self.max_steps):
            if not heap or not queues:
                return
            at, number, fields = pop(heap)
            chosen = choose(queues, fields)
            if chosen is None:
                continue  # nothing left for this counter
            first = at if first is None else first
            last = at
            yield chosen, at
            field = tickets[chosen].field
            queue = queues[field]
            if queue[0][1] == chosen:
                queue.popleft()
            else:
                queue.remove(next(e for e in queue if e[1] == chosen))
            if not queue:
                del queues[field]
            push(heap, (at + means[field], number, fields))
        if not queues or first is None:
            return
        # Past max_steps: the rest in queue order, at the replay's pace so far.
        gap = (last - first) / max(self.max_steps - 1, 1)
        rest = sorted(entry for queue in queues.values() for entry in queue)
        for i, (_, tid) in enumerate(rest, start=1):
            yield tid, last + i * gap
