"""The engine's state objects: tickets, counters and the events commands return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any


class TicketState(str, Enum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # still waiting when its service day ended

    @property
    def terminal(self) -> bool:
        return self in (TicketState.DONE, TicketState.NO_SHOW, TicketState.CANCELLED, TicketState.EXPIRED)


class CounterStatus(str, Enum):
    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


CHANNELS = ("kiosk", "counter", "booking", "web")


def iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


@dataclass
class Ticket:
    """One citizen's ticket. ``field`` is where it waits now; ``issue_field`` owns its number."""

    id: int
    code: str
    number: int
    issue_field: str
    field: str
    priority: str | None
    channel: str
    state: TicketState
    issued_at: datetime
    service_day: date
    tracking_id: str
    counter: int | None = None
    officer: str | None = None
    called_at: datetime | None = None
    serving_at: datetime | None = None
    finished_at: datetime | None = None
    recalls: int = 0
    transfers: int = 0

    @property
    def wait_seconds(self) -> float | None:
        """Time from issue to the (latest) call, or None while never called."""
        if self.called_at is None:
            return None
        return (self.called_at - self.issued_at).total_seconds()

    @property
    def service_seconds(self) -> float | None:
        """Time from the start of service (or the call) to finish; None until done."""
        if self.state is not TicketState.DONE or self.finished_at is None:
            return None
        start = self.serving_at or self.called_at
        assert start is not None, "a done ticket was called"
        return (self.finished_at - start).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        """The public view of the ticket (no personal data)."""
        return {
            "id": self.id,
            "code": self.code,
            "field": self.field,
            "issue_field": self.issue_field,
            "priority": self.priority,
            "channel": self.channel,
            "state": self.state.value,
            "issued_at": iso(self.issued_at),
            "service_day": self.service_day.isoformat(),
            "counter": self.counter,
            "officer": self.officer,
            "called_at": iso(self.called_at),
            "serving_at": iso(self.serving_at),
            "finished_at": iso(self.finished_at),
            "recalls": self.recalls,
            "transfers": self.transfers,
        }


_UNSET = object()


@dataclass
class Counter:
    """A counter's live state. Pending changes apply when the counter is next free to call."""

    number: int
    status: CounterStatus = CounterStatus.CLOSED
    officer: str | None = None
    fields: tuple[str, ...] = ()
    ticket: int | None = None  # the ticket called or being served here
    pending_fields: tuple[str, ...] | None = None
    pending_officer: object = _UNSET  # an officer id, None (leave), or _UNSET (no change)

    @property
    def busy(self) -> bool:
        return self.ticket is not None

    @property
    def has_pending_officer(self) -> bool:
        return self.pending_officer is not _UNSET

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "status": self.status.value,
            "officer": self.officer,
            "fields": list(self.fields),
            "ticket": self.ticket,
            "pending_fields": list(self.pending_fields) if self.pending_fields is not None else None,
            "pending_officer": self.pending_officer if self.has_pending_officer else None,
            "has_pending_officer": self.has_pending_officer,
        }


@dataclass(frozen=True)
class Event:
    """Something that happened, numbered in the centre's sequence."""

    seq: int
    kind: str
    at: datetime
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "at": self.at.isoformat(), "data": self.data}


@dataclass(frozen=True)
class Transition:
    """A ticket's change of state, as stored for reports."""

    seq: int
    ticket_id: int
    from_state: str | None
    to_state: str
    at: datetime
    field: str
    counter: int | None
    officer: str | None


@dataclass
class Result:
    """What one command did: its events, the changed objects, and its answer."""

    events: list[Event] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    counters: dict[int, Counter] = field(default_factory=dict)
    ticket: Ticket | None = None  # the ticket the command was about, if any
    counter: Counter | None = None
