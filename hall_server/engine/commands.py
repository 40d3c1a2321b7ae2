"""Engine commands: small immutable records, one per thing a person can do.

A command is checked and applied by :meth:`hall_server.engine.Hall.execute` with an
explicit time::

    hall.execute(IssueTicket(field="DD"), at)
    hall.execute(CallNext(counter=3), at)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Command:
    name = "command"

    def to_dict(self) -> dict[str, Any]:
        return {"command": self.name, **{f.name: getattr(self, f.name) for f in fields(self)}}


@dataclass(frozen=True)
class IssueTicket(Command):
    """Issue a ticket in ``field``; ``tracking_id`` is an unguessable id the shell supplies."""

    name = "issue_ticket"
    field: str
    priority: str | None = None
    channel: str = "kiosk"
    tracking_id: str | None = None


@dataclass(frozen=True)
class CallNext(Command):
    """Call the next eligible ticket to ``counter`` (finishing a ticket still being served)."""

    name = "call_next"
    counter: int


@dataclass(frozen=True)
class CallTicket(Command):
    """Call one specific waiting ticket to ``counter``."""

    name = "call_ticket"
    counter: int
    ticket: int


@dataclass(frozen=True)
class Recall(Command):
    name = "recall"
    counter: int


@dataclass(frozen=True)
class StartServing(Command):
    name = "start_serving"
    counter: int


@dataclass(frozen=True)
class Finish(Command):
    name = "finish"
    counter: int


@dataclass(frozen=True)
class NoShow(Command):
    name = "no_show"
    counter: int


@dataclass(frozen=True)
class Transfer(Command):
    """Send the counter's current citizen to wait in ``field``, keeping the original issue time."""

    name = "transfer"
    counter: int
    field: str


@dataclass(frozen=True)
class Cancel(Command):
    """Cancel a waiting ticket (a supervisor's action)."""

    name = "cancel"
    ticket: int


@dataclass(frozen=True)
class OpenCounter(Command):
    name = "open_counter"
    counter: int


@dataclass(frozen=True)
class CloseCounter(Command):
    name = "close_counter"
    counter: int


@dataclass(frozen=True)
class PauseCounter(Command):
    name = "pause_counter"
    counter: int


@dataclass(frozen=True)
class ResumeCounter(Command):
    name = "resume_counter"
    counter: int


@dataclass(frozen=True)
class AssignOfficer(Command):
    """Seat ``officer`` at ``counter``; applies once neither counter involved has a citizen."""

    name = "assign_officer"
    counter: int
    officer: str


@dataclass(frozen=True)
class UnassignOfficer(Command):
    name = "unassign_officer"
    counter: int


@dataclass(frozen=True)
class SetCounterFields(Command):
    """Change the fields ``counter`` serves; takes effect at that counter's next call."""

    name = "set_counter_fields"
    counter: int
    fields: tuple[str, ...]


COMMANDS: dict[str, type[Command]] = {
    cls.name: cls
    for cls in (
        IssueTicket, CallNext, CallTicket, Recall, StartServing, Finish, NoShow, Transfer, Cancel,
        OpenCounter, CloseCounter, PauseCounter, ResumeCounter, AssignOfficer, UnassignOfficer,
        SetCounterFields,
    )
}
