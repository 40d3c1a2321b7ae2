"""Discrete-event simulation of a hall day through the real engine.

The simulator owns only the clock and the people: citizens arrive and take a
ticket (:class:`~hall_server.engine.IssueTicket`), an idle officer presses
*next* (:class:`~hall_server.engine.CallNext`), the citizen sits down
(:class:`~hall_server.engine.StartServing`) and, after the sampled service
time, the officer presses *next* again (which finishes the citizen and calls
the next one).  Which ticket a counter gets, numbering, priority head starts,
pending field changes: all of that is the engine's own code (:class:`Hall`
with any routing policy), run with simulated time.

Counters open and close by *shifts*.  By default every counter that has an
officer in the hall file opens for each session of the day and, at the end of
a session, keeps calling until nobody it serves is waiting (officers serve
every citizen who took a ticket); a staffing plan gives other shifts, whose
ends close the counter as soon as its current citizen is done.

>>> import random
>>> from datetime import date
>>> from hall_server.config import load_hall
>>> from hall_server.queueing.profile import SMALL_HALL
>>> from hall_server.sim.arrivals import profile_day
>>> config = load_hall("config/sim_small.toml")
>>> profile = SMALL_HALL.for_fields(config.fields)
>>> day = date(2025, 3, 5)
>>> result = simulate_day(config, profile_day(profile, day, random.Random(7)), day)
>>> len(result.tickets) > 50, all(t.wait is not None for t in result.tickets)
(True, True)
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hall_server.engine import (
    AssignOfficer,
    CallNext,
    CloseCounter,
    CounterStatus,
    Finish,
    Hall,
    IssueTicket,
    OpenCounter,
    SetCounterFields,
    StartServing,
    TicketState,
)
from hall_server.engine.errors import NothingWaiting
from hall_server.engine.routing import RoutingPolicy

from .arrivals import SimArrival, midnight
from .results import CounterRecord, DayResult, TicketRecord

__all__ = ["Shift", "default_shifts", "simulate_day", "Estimator"]

#: ``(hall, ticket) -> minutes or None``, the shape of ``HallService.estimator``.
Estimator = Callable[[Hall, object], "float | None"]

# Event kinds, in the order they run when they fall on the same instant.
_SHIFT_END, _SHIFT_START, _CONTROL, _SEATED, _SERVICE_END, _ARRIVAL = range(6)


@dataclass(frozen=True)
class Shift:
    """Counter ``counter`` is open from ``start`` to ``end`` (minutes after
    local midnight), serving ``fields`` (``None``: the fields it has).

    With ``drain`` the counter keeps calling after ``end`` while anyone it
    serves is waiting (the end of a session); without, it closes as soon as
    its current citizen is done (a staffing change in mid-session).
    """

    counter: int
    start: float
    end: float
    fields: tuple[str, ...] | None = None
    drain: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 24 * 60:
            raise ValueError(f"shift of counter {self.counter}: need 0 <= start < end <= 1440, "
                             f"got {self.start}..{self.end}")


def _minute(t: time) -> float:
    return t.hour * 60 + t.minute + t.second / 60


def sessions_of(config, day: date, fallback: Sequence[tuple[float, float]] = ()) -> list[tuple[float, float]]:
    """Opening spans of ``day`` in minutes: the hall file's ``[hours]`` for that
    weekday if it has any, else ``fallback`` (e.g. the profile's sessions)."""
    key = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
    if config.hours:
        return [(_minute(s.start), _minute(s.end)) for s in config.hours.get(key, [])]
    return list(fallback)


def default_shifts(config, spans: Iterable[tuple[float, float]]) -> list[Shift]:
    """One draining shift per span for every counter the hall file seats an officer at."""
    return [
        Shift(number, start, end, None, drain=True)
        for number, cc in config.counters.items() if cc.officer
        for start, end in spans
    ]


def _merge(shifts: Iterable[Shift]) -> list[Shift]:
    """Join back-to-back shifts of one counter with the same fields."""
    out: list[Shift] = []
    for s in sorted(shifts, key=lambda s: (s.counter, s.start)):
        last = out[-1] if out else None
        if last and last.counter == s.counter and s.start < last.end - 1e-9:
            raise ValueError(f"counter {s.counter} has overlapping shifts at minute {s.start:g}")
        if last and last.counter == s.counter and abs(last.end - s.start) < 1e-9 and last.fields == s.fields:
            out[-1] = Shift(s.counter, last.start, s.end, s.fields, s.drain)
        else:
            out.append(s)
    return out


class _Day:
    """The state of one simulated day (see :func:`simulate_day`)."""

    def __init__(self, config, arrivals, day, *, policy, shifts, walk_minutes, estimators,
                 listeners, target_minutes, controller=None):
        self.config = config
        self.hall = Hall(config, policy)
        self.origin = midnight(day, config.tz)
        self.day = day
        self.walk = float(walk_minutes)
        self.estimators = dict(estimators or {})
        self.listeners = list(listeners or [])
        for est in self.estimators.values():
            observe = getattr(est, "observe", None)
            if callable(observe):
                self.listeners.append(observe)
        self.priority_code = next(iter(config.priorities), None)
        self.target = target_minutes
        self.queue: list = []
        self.order = itertools.count()
        self.tickets: dict[int, TicketRecord] = {}
        self.counters = {n: CounterRecord(n) for n in config.counters}
        self.idle: dict[int, float] = {}  # open, staffed, free counters -> idle since
        self.current: dict[int, int] = {}  # counter -> ticket id it holds
        self.opened_at: dict[int, float] = {}
        self.closing: dict[int, bool] = {}  # counter -> drain flag of the shift that ended
        self.shift_fields: dict[int, tuple[str, ...] | None] = {}
        for a in arrivals:
            if a.field not in config.fields:
                raise ValueError(f"arrival for field {a.field!r}, which the hall file does not have")
            self._push(a.minute, _ARRIVAL, a)
        for s in _merge(shifts):
            if s.counter not in config.counters:
                raise ValueError(f"shift for counter {s.counter}, which the hall file does not have")
            self._push(s.start, _SHIFT_START, s)
            self._push(s.end, _SHIFT_END, s)
        self.controller = controller
        if controller is not None:
            for minute in controller.times(day):
                self._push(minute, _CONTROL, None)
            for start, end in controller.sessions(day):
                for number in config.counters:
                    self._push(end, _SHIFT_END, Shift(number, start, end, drain=True))

    # ------------------------------------------------------------------ plumbing
    def _push(self, minute: float, kind: int, data) -> None:
        heapq.heappush(self.queue, (minute, kind, next(self.order), data))

    def _at(self, minute: float) -> datetime:
        return self.origin + timedelta(minutes=minute)

    def _run(self, command, minute: float):
        result = self.hall.execute(command, self._at(minute))
        if self.listeners and result.events:
            for listener in self.listeners:
                listener(result.events)
        return result

    # ------------------------------------------------------------------ the day
    def run(self) -> DayResult:
        start = minute = self.queue[0][0] if self.queue else 0.0
        for number, counter in self.hall.counters.items():  # everything shut until its first shift
            if counter.status is not CounterStatus.CLOSED:
                self._run(CloseCounter(number), start)
        while self.queue:
            minute, kind, _, data = heapq.heappop(self.queue)
            if kind == _ARRIVAL:
                self._arrive(minute, data)
            elif kind == _SERVICE_END:
                self._service_end(minute, data)
            elif kind == _SEATED:
                self._run(StartServing(data), minute)
            elif kind == _SHIFT_START:
                self._shift_start(minute, data)
            elif kind == _CONTROL:
                self._control(minute)
            else:
                self._shift_end(minute, data)
            self._dispatch(minute)
        for number in list(self.opened_at):  # a drained counter that nobody closed
            self._close(number, minute)
        return DayResult(self.day, sorted(self.tickets.values(), key=lambda t: t.id), self.counters,
                         self.target, getattr(self.hall.policy, "name", ""))

    def _arrive(self, minute: float, a: SimArrival) -> None:
        priority = self.priority_code if a.priority else None
        result = self._run(IssueTicket(field=a.field, priority=priority), minute)
        ticket = result.ticket
        issued = (ticket.issued_at - self.origin).total_seconds() / 60.0  # as the engine holds it
        record = TicketRecord(ticket.id, a.field, a.priority, issued, a.service_minutes, measured=a.measured)
        for name, estimator in self.estimators.items():
            record.estimates[name] = estimator(self.hall, ticket)
        self.tickets[ticket.id] = record

    def _dispatch(self, minute: float) -> None:
        """Every idle counter with an eligible citizen waiting presses *next*,
        the one idle longest first."""
        if not self.idle:
            return
        queues = self.hall.queues
        for number in sorted(self.idle, key=self.idle.__getitem__):
            counter = self.hall.counters[number]
            fields = counter.pending_fields if counter.pending_fields is not None else counter.fields
            if any(queues[f] for f in fields):
                del self.idle[number]
                try:
                    result = self._run(CallNext(number), minute)
                except NothingWaiting:  # a policy may decline; the counter stays idle
                    result = None
                self._call(number, minute, result)

    def _call(self, number: int, minute: float, result) -> None:
        ticket = result.ticket if result is not None else None
        if ticket is None or ticket.state is not TicketState.CALLED or ticket.counter != number:
            self.idle[number] = minute
            return
        record = self.tickets[ticket.id]
        record.called = (ticket.called_at - self.origin).total_seconds() / 60.0
        record.counter = number
        self.current[number] = ticket.id
        if self.walk > 0:
            self._push(minute + self.walk, _SEATED, number)
        else:
            self._run(StartServing(number), minute)
        self._push(minute + self.walk + record.service, _SERVICE_END, number)

    def _done(self, number: int, minute: float) -> None:
        record = self.tickets[self.current.pop(number)]
        record.finished = minute
        c = self.counters[number]
        c.busy_minutes += minute - record.called
        c.served += 1

    def _service_end(self, minute: float, number: int) -> None:
        drain = self.closing.get(number)
        if drain is None or (drain and self._eligible_waiting(number)):
            self._done(number, minute)
            self._call(number, minute, self._run(CallNext(number), minute))
        else:
            self._done(number, minute)
            self._run(Finish(number), minute)
            self._close(number, minute)

    def _eligible_waiting(self, number: int) -> bool:
        counter = self.hall.counters[number]
        fields = counter.pending_fields if counter.pending_fields is not None else counter.fields
        return any(self.hall.queues[f] for f in fields)

    def _shift_start(self, minute: float, s: Shift) -> None:
        number = s.counter
        counter = self.hall.counters[number]
        self.closing.pop(number, None)
        if counter.officer is None and not counter.has_pending_officer:
            self._seat_officer(number, minute)
        if s.fields is not None and tuple(s.fields) != tuple(counter.pending_fields or counter.fields):
            self._run(SetCounterFields(number, tuple(s.fields)), minute)
        if counter.status is CounterStatus.CLOSED:
            self._run(OpenCounter(number), minute)
            self.opened_at[number] = minute
            self.idle[number] = minute

    def _control(self, minute: float) -> None:
        """Open and close counters as the controller wants them now."""
        wanted = self.controller.decide(self.hall, self._at(minute))
        for number in self.config.counters:
            if number in wanted:
                self._shift_start(minute, Shift(number, minute, 24 * 60, wanted[number]))
            elif number in self.opened_at and number not in self.closing:
                self._shift_end(minute, Shift(number, 0, 24 * 60, drain=False))

    def _seat_officer(self, number: int, minute: float) -> None:
        seated = {k.officer for k in self.hall.counters.values() if k.officer}
        free = [o for o in self.config.officers if o not in seated]
        if not free:
            raise ValueError(f"counter {number} has a shift but no officer, and no officer is free to seat there")
        self._run(AssignOfficer(number, free[0]), minute)

    def _shift_end(self, minute: float, s: Shift) -> None:
        number = s.counter
        if number not in self.opened_at:
            return
        if number in self.current:
            self.closing[number] = s.drain
        else:
            self._close(number, minute)

    def _close(self, number: int, minute: float) -> None:
        self.idle.pop(number, None)
        self.closing.pop(number, None)
        if self.hall.counters[number].status is not CounterStatus.CLOSED:
            self._run(CloseCounter(number), minute)
        self.counters[number].open_minutes += minute - self.opened_at.pop(number)


def simulate_day(
    config,
    arrivals: Sequence[SimArrival],
    day: date,
    *,
    policy: RoutingPolicy | None = None,
    shifts: Sequence[Shift] | None = None,
    spans: Sequence[tuple[float, float]] = ((450.0, 690.0), (810.0, 1020.0)),
    walk_minutes: float = 0.0,
    estimators: Mapping[str, Estimator] | None = None,
    listeners: Sequence[Callable[[list], None]] = (),
    target_minutes: float | None = None,
    controller=None,
) -> DayResult:
    """Run one day of ``arrivals`` through a fresh :class:`Hall` of ``config``.

    ``policy``: the routing policy (default the engine's).  ``shifts``: when
    counters are open (default :func:`default_shifts` over the hall file's
    hours of that weekday, or ``spans`` if it has none).  ``walk_minutes``:
    time from a call until the citizen sits down (the counter is busy, the
    wait has ended).  ``estimators``: wait estimators asked right after each
    ticket is issued, as the server does; an estimator with an ``observe``
    method receives every command's events, like a server listener.
    ``target_minutes``: the service-level target (default the hall file's
    ``wait_target_minutes``).  ``controller``: staffing decided live instead
    of by shifts — an object with ``times(day)`` (minutes at which it
    decides), ``sessions(day)`` (``(start, end)`` spans; at each end every
    counter drains and closes) and ``decide(hall, now)`` returning
    ``{counter: fields or None}`` for the counters to have open (the others
    close once their citizen is done).  Raises :class:`ValueError` for arrivals or
    shifts the hall file cannot take.
    """
    if shifts is None:
        shifts = [] if controller is not None else default_shifts(config, sessions_of(config, day, spans))
    if target_minutes is None:
        target_minutes = float(config.centre.wait_target_minutes)
    return _Day(config, arrivals, day, policy=policy, shifts=shifts, walk_minutes=walk_minutes,
                estimators=estimators, listeners=listeners, target_minutes=target_minutes,
                controller=controller).run()
