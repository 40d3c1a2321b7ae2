"""The hall: the whole state of one centre and the rules that change it.

Pure Python: no Flask, no SQL, no clock reads. Time is an argument of every command::

    >>> from datetime import datetime, timezone
    >>> from hall_server.config import load_hall, DEMO_HALL
    >>> from hall_server.engine import Hall, IssueTicket, CallNext
    >>> hall = Hall(load_hall(DEMO_HALL))
    >>> at = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)  # 08:00 in Hà Nội
    >>> hall.execute(IssueTicket(field="DD"), at).ticket.code
    'A001'

Each command is checked completely before anything changes, so a command that raises
:class:`~hall_server.engine.errors.DomainError` leaves the hall exactly as it was.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from . import commands as c
from .errors import (
    CounterBusy,
    CounterClosed,
    CounterPaused,
    DomainError,
    InvalidCommand,
    InvalidTransition,
    NoOfficer,
    NotFound,
    NothingWaiting,
)
from .model import _UNSET, CHANNELS, Counter, CounterStatus, Event, Result, Ticket, TicketState, Transition
from .routing import OldestEligibleFirst, RoutingPolicy

if TYPE_CHECKING:
    from hall_server.config import HallConfig

S = TicketState


class Hall:
    """The live state of one centre.

    ``tickets`` holds every ticket of the current service day plus any older ticket
    that is not finished; ``queues`` maps each field to its waiting tickets sorted by
    effective time; ``counters`` maps counter numbers to :class:`Counter`.
    """

    def __init__(self, config: HallConfig, policy: RoutingPolicy | None = None) -> None:
        self.config = config
        self.policy = policy or OldestEligibleFirst()
        self.seq = 0  # number of the last event
        self.next_ticket_id = 1
        self.service_day: date | None = None
        self.next_number: dict[str, int] = {code: 1 for code in config.fields}
        self.tickets: dict[int, Ticket] = {}
        self._by_tracking: dict[str, int] = {}
        self.queues: dict[str, list[tuple[float, int]]] = {code: [] for code in config.fields}
        self.counters: dict[int, Counter] = {}
        for number, cc in config.counters.items():
            self.counters[number] = Counter(
                number=number,
                status=CounterStatus.OPEN if cc.officer else CounterStatus.CLOSED,
                officer=cc.officer,
                fields=tuple(cc.fields),
            )
        self._result: Result | None = None

    # ------------------------------------------------------------------ rebuild
    @classmethod
    def restore(cls, config: HallConfig, *, seq: int, next_ticket_id: int, service_day: date | None,
                tickets: Iterable[Ticket], counters: Iterable[Counter], policy: RoutingPolicy | None = None) -> Hall:
        """Rebuild a hall from stored state (see :mod:`hall_server.store`)."""
        hall = cls(config, policy)
        hall.seq = seq
        hall.next_ticket_id = next_ticket_id
        hall.service_day = service_day
        for counter in counters:
            if counter.number in hall.counters:
                hall.counters[counter.number] = counter
        for ticket in tickets:
            hall.tickets[ticket.id] = ticket
            hall._by_tracking[ticket.tracking_id] = ticket.id
            if ticket.service_day == service_day and ticket.issue_field in hall.next_number:
                hall.next_number[ticket.issue_field] = max(hall.next_number[ticket.issue_field], ticket.number + 1)
            if ticket.state is S.WAITING and ticket.field in hall.queues:
                hall._enqueue(ticket)
        return hall

    def patch(self, *, seq: int, next_ticket_id: int, tickets: Iterable[Ticket], counters: Iterable[Counter]) -> None:
        """Replace some tickets and counters with newer stored versions (see Store.catch_up)."""
        for ticket in tickets:
            old = self.tickets.get(ticket.id)
            if old is not None and old.state is S.WAITING:
                self._dequeue(old)
            self.tickets[ticket.id] = ticket
            self._by_tracking[ticket.tracking_id] = ticket.id
            if ticket.service_day == self.service_day and ticket.issue_field in self.next_number:
                self.next_number[ticket.issue_field] = max(self.next_number[ticket.issue_field], ticket.number + 1)
            if ticket.state is S.WAITING and ticket.field in self.queues:
                self._enqueue(ticket)
        for counter in counters:
            if counter.number in self.counters:
                self.counters[counter.number] = counter
        self.seq = seq
        self.next_ticket_id = next_ticket_id

    # ------------------------------------------------------------------ queries
    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.config.tz).date()

    def key(self, ticket: Ticket) -> tuple[float, int]:
        """The routing key: effective time (issue time minus head start), then id.

        A ticket issued by a booking check-in (channel ``booking``, only ever issued within the
        booked slot) has the head start ``[centre] booking_head_start_minutes`` (default 10): ahead
        of walk-ins who came up to that long before it, behind priority citizens (15 minutes by
        default). A booked priority citizen gets the larger of the two head starts.
        """
        head = self.config.head_start_seconds(ticket.priority)
        if ticket.channel == "booking":
            head = max(head, 60.0 * getattr(self.config.centre, "booking_head_start_minutes", 10.0))
        return (ticket.issued_at.timestamp() - head, ticket.id)

    def ticket(self, ticket_id: int) -> Ticket:
        try:
            return self.tickets[ticket_id]
        except KeyError:
            raise NotFound(f"unknown ticket {ticket_id}", ticket=ticket_id) from None

    def ticket_by_tracking(self, tracking_id: str) -> Ticket | None:
        tid = self._by_tracking.get(tracking_id)
        return self.tickets.get(tid) if tid is not None else None

    def counter(self, number: int) -> Counter:
        try:
            return self.counters[number]
        except (KeyError, TypeError):
            raise NotFound(f"unknown counter {number}", counter=number) from None

    def people_ahead(self, ticket: Ticket) -> int:
        """Waiting tickets of the same field that will be called before this one."""
        if ticket.state is not S.WAITING:
            return 0
        return bisect.bisect_left(self.queues[ticket.field], self.key(ticket))

    def waiting(self, field: str) -> list[Ticket]:
        return [self.tickets[tid] for _, tid in self.queues[field]]

    def counters_serving(self, field: str) -> list[Counter]:
        """Open counters with an officer that serve ``field`` now."""
        return [
            k for k in self.counters.values()
            if k.status is CounterStatus.OPEN and k.officer and field in k.fields
        ]

    def officer_counter(self, officer: str) -> Counter | None:
        for counter in self.counters.values():
            if counter.officer == officer:
                return counter
        return None

    def snapshot(self, recent: int = 10) -> dict[str, Any]:
        """The public state of the hall, as sent to displays and counters on connect."""
        called = sorted(
            (t for t in self.tickets.values() if t.called_at is not None and t.service_day == self.service_day),
            key=lambda t: (t.called_at, t.id),
            reverse=True,
        )
        return {
            "seq": self.seq,
            "centre": self.config.id,
            "service_day": self.service_day.isoformat() if self.service_day else None,
            "counters": [
                k.to_dict() | {"current": self.tickets[k.ticket].to_dict() if k.ticket else None}
                for k in self.counters.values()
            ],
            "queues": {code: [self.tickets[tid].code for _, tid in q] for code, q in self.queues.items()},
            "waiting": {code: len(q) for code, q in self.queues.items()},
            "recent_calls": [t.to_dict() for t in called[:recent]],
        }

    def state_dict(self) -> dict[str, Any]:
        """Everything that defines the hall, for comparing a restored hall with the original."""
        return {
            "seq": self.seq,
            "next_ticket_id": self.next_ticket_id,
            "service_day": self.service_day,
            "next_number": dict(self.next_number),
            "tickets": {tid: t.to_dict() | {"tracking_id": t.tracking_id} for tid, t in sorted(self.tickets.items())},
            "queues": {code: list(q) for code, q in self.queues.items()},
            "counters": {n: k.to_dict() for n, k in sorted(self.counters.items())},
        }

    # ------------------------------------------------------------------ commands
    def execute(self, command: c.Command, at: datetime) -> Result:
        """Check and apply ``command`` at time ``at``; return what it did.

        Raises :class:`DomainError` (and changes nothing) when the command is illegal.
        """
        if not isinstance(at, datetime) or at.tzinfo is None:
            raise InvalidCommand("time must be a timezone-aware datetime")
        handler = getattr(self, "_do_" + getattr(command, "name", ""), None)
        if handler is None or not isinstance(command, c.Command):
            raise InvalidCommand(f"unknown command {command!r}")
        # A command on a later day starts that day first (numbering from 001, yesterday's
        # waiting tickets expire). If the command is then refused, the new day is undone
        # with it: a refused command changes nothing. (The service starts each day on its
        # own, before the command, so this copy is taken at most by direct callers.)
        saved = self._saved_state() if self.service_day is None or self.local_day(at) > self.service_day else None
        result = self.advance(at)
        self._result = result
        try:
            handler(command, at)
        except DomainError:
            if saved is not None:
                self.__dict__.update(saved)
            raise
        finally:
            self._result = None
        return result

    def _saved_state(self) -> dict[str, Any]:
        """A deep copy of everything a command may change (not the configuration or policy)."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("config", "policy", "_result")}
        return copy.deepcopy(state, memo={id(_UNSET): _UNSET})  # the "no pending officer" marker stays itself

    def advance(self, at: datetime) -> Result:
        """Move to the service day of ``at`` if it is a later day.

        Numbering restarts at 001; tickets still waiting from an earlier day are
        expired. The day never moves backwards, even if the clock does.
        """
        result = Result()
        day = self.local_day(at)
        if self.service_day is not None and day <= self.service_day:
            return result
        self._result = result
        try:
            self.service_day = day
            self.next_number = {code: 1 for code in self.config.fields}
            self._emit("day_started", at, {"service_day": day.isoformat()})
            for ticket in list(self.tickets.values()):
                if ticket.service_day < day and ticket.state is S.WAITING:
                    self._dequeue(ticket)
                    self._move(ticket, S.EXPIRED, at, "ticket_expired")
            for tid in [t.id for t in self.tickets.values() if t.service_day < day and t.state.terminal]:
                self._by_tracking.pop(self.tickets.pop(tid).tracking_id, None)
        finally:
            self._result = None
        return result

    def _do_issue_ticket(self, cmd: c.IssueTicket, at: datetime) -> None:
        field = self._field(cmd.field)
        if cmd.priority is not None and cmd.priority not in self.config.priorities:
            raise NotFound(f"unknown priority category {cmd.priority!r}", priority=cmd.priority)
        if cmd.channel not in CHANNELS:
            raise InvalidCommand(f"unknown channel {cmd.channel!r} (use one of {', '.join(CHANNELS)})")
        number = self.next_number[field]
        if number > 9999:
            raise InvalidCommand(f"field {field} has used all 9999 numbers today")
        prefix = self.config.fields[field].prefix
        ticket = Ticket(
            id=self.next_ticket_id,
            code=f"{prefix}{number:03d}",
            number=number,
            issue_field=field,
            field=field,
            priority=cmd.priority,
            channel=cmd.channel,
            state=S.WAITING,
            issued_at=at,
            service_day=self._day(),
            tracking_id=cmd.tracking_id or f"t{self.config.id}-{self.next_ticket_id}",
        )
        self.next_ticket_id += 1
        self.next_number[field] = number + 1
        self.tickets[ticket.id] = ticket
        self._by_tracking[ticket.tracking_id] = ticket.id
        self._enqueue(ticket)
        self._transition(ticket, None, at)
        self._emit("ticket_issued", at, {"ticket": ticket.to_dict(), "people_ahead": self.people_ahead(ticket)})
        self._out.ticket = ticket

    def _do_call_next(self, cmd: c.CallNext, at: datetime) -> None:
        counter = self._ready_counter(cmd.counter)
        current = self.tickets[counter.ticket] if counter.ticket is not None else None
        fields = counter.pending_fields if counter.pending_fields is not None else counter.fields
        chosen = self.policy.choose(self.queues, fields)
        if chosen is None and current is None:
            raise NothingWaiting(f"no citizen is waiting for counter {counter.number}", counter=counter.number)
        if current is not None:
            self._finish(counter, current, at)
        if chosen is not None:
            self._call(counter, self.tickets[chosen], at)
        self._out.counter = counter

    def _do_call_ticket(self, cmd: c.CallTicket, at: datetime) -> None:
        counter = self._ready_counter(cmd.counter)
        ticket = self.ticket(cmd.ticket)
        if ticket.state is not S.WAITING:
            raise InvalidTransition(f"ticket {ticket.code} is {ticket.state.value}, not waiting", ticket=ticket.id)
        if counter.ticket is not None:
            self._finish(counter, self.tickets[counter.ticket], at)
        self._call(counter, ticket, at)
        self._out.counter = counter

    def _do_recall(self, cmd: c.Recall, at: datetime) -> None:
        counter, ticket = self._current(cmd.counter, S.CALLED)
        ticket.recalls += 1
        self._transition(ticket, S.CALLED, at)
        self._touch(ticket, counter)
        self._emit("ticket_recalled", at, {"ticket": ticket.to_dict(), "counter": counter.to_dict()})

    def _do_start_serving(self, cmd: c.StartServing, at: datetime) -> None:
        counter, ticket = self._current(cmd.counter, S.CALLED)
        ticket.serving_at = at
        self._move(ticket, S.SERVING, at, "ticket_started", counter)

    def _do_finish(self, cmd: c.Finish, at: datetime) -> None:
        counter, ticket = self._current(cmd.counter, S.CALLED, S.SERVING)
        self._finish(counter, ticket, at)

    def _do_no_show(self, cmd: c.NoShow, at: datetime) -> None:
        counter, ticket = self._current(cmd.counter, S.CALLED)
        ticket.finished_at = at
        counter.ticket = None
        self._move(ticket, S.NO_SHOW, at, "ticket_no_show", counter)
        self._settle(at)

    def _do_transfer(self, cmd: c.Transfer, at: datetime) -> None:
        target = self._field(cmd.field)
        counter, ticket = self._current(cmd.counter, S.CALLED, S.SERVING)
        if target == ticket.field:
            raise InvalidCommand(f"ticket {ticket.code} already belongs to field {target}")
        from_field = ticket.field
        counter.ticket = None
        ticket.field = target
        ticket.transfers += 1
        ticket.counter = None
        ticket.officer = None
        ticket.serving_at = None
        self._enqueue(ticket)
        self._move(ticket, S.WAITING, at, "ticket_transferred", counter, from_field=from_field,
                   people_ahead=self.people_ahead(ticket))
        self._settle(at)

    def _do_cancel(self, cmd: c.Cancel, at: datetime) -> None:
        ticket = self.ticket(cmd.ticket)
        if ticket.state is not S.WAITING:
            raise InvalidTransition(f"only a waiting ticket can be cancelled; {ticket.code} is {ticket.state.value}")
        self._dequeue(ticket)
        ticket.finished_at = at
        self._move(ticket, S.CANCELLED, at, "ticket_cancelled")

    def _do_open_counter(self, cmd: c.OpenCounter, at: datetime) -> None:
        counter = self.counter(cmd.counter)
        if counter.status is CounterStatus.OPEN:
            raise InvalidTransition(f"counter {counter.number} is already open")
        self._set_status(counter, CounterStatus.OPEN, at, "counter_opened")

    def _do_close_counter(self, cmd: c.CloseCounter, at: datetime) -> None:
        counter = self.counter(cmd.counter)
        if counter.status is CounterStatus.CLOSED:
            raise InvalidTransition(f"counter {counter.number} is already closed")
        if counter.busy and counter.ticket is not None:
            raise CounterBusy(
                f"counter {counter.number} still has ticket {self.tickets[counter.ticket].code}; finish it first"
            )
        self._set_status(counter, CounterStatus.CLOSED, at, "counter_closed")

    def _do_pause_counter(self, cmd: c.PauseCounter, at: datetime) -> None:
        counter = self.counter(cmd.counter)
        if counter.status is not CounterStatus.OPEN:
            raise InvalidTransition(f"counter {counter.number} is {counter.status.value}, not open")
        self._set_status(counter, CounterStatus.PAUSED, at, "counter_paused")

    def _do_resume_counter(self, cmd: c.ResumeCounter, at: datetime) -> None:
        counter = self.counter(cmd.counter)
        if counter.status is not CounterStatus.PAUSED:
            raise InvalidTransition(f"counter {counter.number} is {counter.status.value}, not paused")
        self._set_status(counter, CounterStatus.OPEN, at, "counter_resumed")

    def _do_assign_officer(self, cmd: c.AssignOfficer, at: datetime) -> None:
        counter = self.counter(cmd.counter)
        if cmd.officer not in self.config.officers:
            raise NotFound(f"unknown officer {cmd.officer!r}", officer=cmd.officer)
        if counter.officer == cmd.officer and not counter.has_pending_officer:
            raise InvalidTransition(f"officer {cmd.officer} is already at counter {counter.number}")
        for other in self.counters.values():  # a newer move replaces an older pending one
            if other is not counter and other.pending_officer == cmd.officer:
                other.pending_officer = _UNSET
                self._touch(None, other)
        counter.pending_officer = cmd.officer
        self._touch(None, counter)
        self._emit("officer_move_requested", at, {"counter": counter.to_dict(), "officer": cmd.officer})
        self._settle(at)

    def _do_unassign_officer(self, cmd: c.UnassignOfficer, at: datetime) -> None:
        counter = self.counter(cmd.counter)
        if counter.officer is None and not counter.has_pending_officer:
            raise InvalidTransition(f"counter {counter.number} has no officer")
        counter.pending_officer = None
        self._touch(None, counter)
        self._emit("officer_move_requested", at, {"counter": counter.to_dict(), "officer": None})
        self._settle(at)

    def _do_set_counter_fields(self, cmd: c.SetCounterFields, at: datetime) -> None:
        counter = self.counter(cmd.counter)
        if isinstance(cmd.fields, str) or not cmd.fields:
            raise InvalidCommand("a counter must serve at least one field")
        fields = tuple(self._field(f) for f in cmd.fields)
        if len(set(fields)) != len(fields):
            raise InvalidCommand("a field is listed twice")
        counter.pending_fields = fields
        self._touch(None, counter)
        self._emit("counter_fields_requested", at, {"counter": counter.to_dict(), "fields": list(fields)})
        self._settle(at)

    # ------------------------------------------------------------------ helpers
    def _field(self, code: object) -> str:
        if not isinstance(code, str) or code not in self.config.fields:
            raise NotFound(f"unknown field {code!r}", field=code)
        return code

    def _ready_counter(self, number: int) -> Counter:
        """A counter that may call: open, staffed, not holding a citizen still only called."""
        counter = self.counter(number)
        if counter.status is CounterStatus.CLOSED:
            raise CounterClosed(f"counter {counter.number} is closed")
        if counter.status is CounterStatus.PAUSED:
            raise CounterPaused(f"counter {counter.number} is paused")
        officer = counter.pending_officer if self._move_applies(counter) else counter.officer
        if not officer:
            raise NoOfficer(f"counter {counter.number} has no officer")
        if counter.ticket is not None and self.tickets[counter.ticket].state is S.CALLED:
            code = self.tickets[counter.ticket].code
            raise CounterBusy(
                f"ticket {code} is still called at counter {counter.number}; start, finish or mark no-show first",
                ticket=counter.ticket,
            )
        return counter

    def _current(self, number: int, *states: TicketState) -> tuple[Counter, Ticket]:
        counter = self.counter(number)
        if counter.ticket is None:
            raise InvalidTransition(f"counter {counter.number} has no current ticket")
        ticket = self.tickets[counter.ticket]
        if ticket.state not in states:
            allowed = " or ".join(s.value for s in states)
            raise InvalidTransition(f"ticket {ticket.code} is {ticket.state.value}, not {allowed}", ticket=ticket.id)
        return counter, ticket

    def _call(self, counter: Counter, ticket: Ticket, at: datetime) -> None:
        self._settle(at)  # pending fields and officer moves apply at the call
        if counter.pending_fields is not None:
            self._apply_fields(counter, at)
        self._dequeue(ticket)
        counter.ticket = ticket.id
        ticket.counter = counter.number
        ticket.officer = counter.officer
        ticket.called_at = at
        ticket.serving_at = None
        self._move(ticket, S.CALLED, at, "ticket_called", counter)
        self._out.ticket = ticket

    def _finish(self, counter: Counter, ticket: Ticket, at: datetime) -> None:
        ticket.finished_at = at
        counter.ticket = None
        self._move(ticket, S.DONE, at, "ticket_finished", counter)
        self._settle(at)

    def _move_applies(self, counter: Counter) -> bool:
        """Whether ``counter``'s pending officer change can happen now."""
        if not counter.has_pending_officer or counter.busy:
            return False
        officer = counter.pending_officer
        if officer is None:
            return True
        assert isinstance(officer, str)
        seat = self.officer_counter(officer)
        return seat is None or seat is counter or not seat.busy

    def _settle(self, at: datetime) -> None:
        """Apply every pending change that no citizen in progress blocks any more."""
        for counter in self.counters.values():
            if counter.busy:
                continue
            if counter.pending_fields is not None:
                self._apply_fields(counter, at)
            if self._move_applies(counter):
                officer = counter.pending_officer
                assert officer is None or isinstance(officer, str)
                counter.pending_officer = _UNSET
                if officer is not None:
                    seat = self.officer_counter(officer)
                    if seat is not None and seat is not counter:
                        seat.officer = None
                        self._touch(None, seat)
                        self._emit("officer_unassigned", at, {"counter": seat.to_dict(), "officer": officer})
                previous = counter.officer
                counter.officer = officer
                self._touch(None, counter)
                if officer is None:
                    self._emit("officer_unassigned", at, {"counter": counter.to_dict(), "officer": previous})
                else:
                    self._emit("officer_assigned", at, {"counter": counter.to_dict(), "officer": officer})

    def _apply_fields(self, counter: Counter, at: datetime) -> None:
        assert counter.pending_fields is not None
        counter.fields = counter.pending_fields
        counter.pending_fields = None
        self._touch(None, counter)
        self._emit("counter_fields_changed", at, {"counter": counter.to_dict()})

    def _set_status(self, counter: Counter, status: CounterStatus, at: datetime, kind: str) -> None:
        counter.status = status
        self._touch(None, counter)
        self._emit(kind, at, {"counter": counter.to_dict()})

    def _enqueue(self, ticket: Ticket) -> None:
        bisect.insort(self.queues[ticket.field], self.key(ticket))

    def _dequeue(self, ticket: Ticket) -> None:
        queue = self.queues[ticket.field]
        i = bisect.bisect_left(queue, self.key(ticket))
        if i < len(queue) and queue[i][1] == ticket.id:
            del queue[i]

    def _move(self, ticket: Ticket, to: TicketState, at: datetime, kind: str, counter: Counter | None = None,
              **extra: Any) -> None:
        before = ticket.state
        ticket.state = to
        self._transition(ticket, before, at, counter)
        self._touch(ticket, counter)
        data = {"ticket": ticket.to_dict(), **extra}
        if counter is not None:
            data["counter"] = counter.to_dict()
        self._emit(kind, at, data)

    def _transition(self, ticket: Ticket, before: TicketState | None, at: datetime,
                    counter: Counter | None = None) -> None:
        self._touch(ticket, None)
        self._out.transitions.append(
            Transition(
                seq=self.seq + 1,
                ticket_id=ticket.id,
                from_state=before.value if before else None,
                to_state=ticket.state.value,
                at=at,
                field=ticket.field,
                counter=counter.number if counter else ticket.counter,
                officer=counter.officer if counter else ticket.officer,
            )
        )

    def _day(self) -> date:
        assert self.service_day is not None, "the day starts before the first ticket"
        return self.service_day

    @property
    def _out(self) -> Result:
        """The result being built by the command under way (only inside :meth:`execute`)."""
        assert self._result is not None, "only while a command runs"
        return self._result

    def _touch(self, ticket: Ticket | None, counter: Counter | None) -> None:
        if ticket is not None:
            self._out.tickets[ticket.id] = ticket
        if counter is not None:
            self._out.counters[counter.number] = counter

    def _emit(self, kind: str, at: datetime, data: dict[str, Any]) -> None:
        self.seq += 1
        self._out.events.append(Event(self.seq, kind, at, data))
