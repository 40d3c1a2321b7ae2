"""One command pipeline: every transport turns a request into (actor, command, request id) and calls
:func:`submit`; validation, authorization and the channel rules live here once.

    command = parse("call_next", {"counter": 3})          # Socket.IO: a name and its arguments
    outcome = submit(service, actor, command, request_id="box1-7f3a", deadline=1795663900.25)

REST builds the command from the path and its body schema, Socket.IO from ``{"command", "args"}``
with :func:`parse`; both then call :func:`submit`, which

1. applies the channel rule of ``issue_ticket`` (the tracking id is always the server's; staff
   issue on the ``counter`` channel; ``booking`` tickets come only from a booking check-in),
2. authorizes the actor for the command (and for its counter),
3. keeps request ids apart per caller (two devices may use the same id),
4. and runs it through :meth:`HallService.execute` (one locked, durable transaction), which
   refuses a command whose ``deadline`` has passed.

Errors are :class:`~hall_server.engine.errors.MotCuaError` subclasses; only the transports
turn them into their answers (HTTP statuses: ``hall_server/web/errors.py``).
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from pydantic import ConfigDict, ValidationError, create_model

from .engine import COMMANDS, Command, IssueTicket
from .engine.errors import MotCuaError
from .service import Actor, HallService, Outcome

ANONYMOUS = Actor("anonymous", "anonymous")
DEVICE_ROLES = ("dispenser", "button_box", "display")


class InvalidRequest(MotCuaError):
    """A request that is malformed in itself (wrong shape, types or values)."""

    code = "invalid_command"

    def __init__(self, message: str, code: str | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        if code is not None:
            self.code = code


class Unauthenticated(MotCuaError):
    """Who is asking is not known: log in, or send a device token."""

    code = "unauthorized"


class Forbidden(MotCuaError):
    """The caller is known and may not do this."""

    code = "forbidden"


# Commands each role may send. Counter commands are further limited to the actor's counters.
COUNTER_COMMANDS = frozenset({
    "call_next", "call_ticket", "recall", "start_serving", "finish", "no_show", "transfer",
    "pause_counter", "resume_counter", "open_counter", "close_counter",
})
SUPERVISOR_COMMANDS = COUNTER_COMMANDS | {"issue_ticket", "cancel", "assign_officer", "unassign_officer",
                                          "set_counter_fields"}
ALLOWED: dict[str, frozenset[str]] = {
    "anonymous": frozenset({"issue_ticket"}),
    "dispenser": frozenset({"issue_ticket"}),
    "display": frozenset(),
    "button_box": COUNTER_COMMANDS,
    "officer": COUNTER_COMMANDS | {"issue_ticket"},
    "supervisor": SUPERVISOR_COMMANDS,
    "admin": SUPERVISOR_COMMANDS,
}


def authorize(actor: Actor, command: str, counter: int | None, hall) -> None:
    """Raise :class:`Unauthenticated` or :class:`Forbidden` unless ``actor`` may send ``command``."""
    if command not in ALLOWED.get(actor.role, frozenset()):
        cls = Unauthenticated if actor.role == "anonymous" else Forbidden
        raise cls(f"{actor.role} may not {command.replace('_', ' ')}")
    if counter is None or command not in COUNTER_COMMANDS:
        return
    if actor.role == "button_box" and counter not in actor.counters:
        raise Forbidden(f"device {actor.id} does not act for counter {counter}")
    if actor.role == "officer":
        seat = hall.counters.get(counter)
        if seat is None:
            return  # the engine answers "unknown counter"
        if seat.officer != actor.officer:
            raise Forbidden(f"officer {actor.officer} is not assigned to counter {counter}")


# ---------------------------------------------------------------------- parsing
def _args_model(cls):
    """A strict pydantic model of a command's arguments (no coercion, no unknown keys)."""
    fields = {
        f.name: (f.type, f.default if f.default is not dataclasses.MISSING else ...)
        for f in dataclasses.fields(cls) if f.name != "tracking_id"
    }
    return create_model(f"{cls.__name__}Args", __config__=ConfigDict(strict=True, extra="forbid"), **fields)


_MODELS = {name: (cls, _args_model(cls)) for name, cls in COMMANDS.items()}


def problems(exc: ValidationError) -> str:
    """A pydantic error as one line: ``counter: Input should be a valid integer; …``."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'args'}: {e['msg']}" for e in exc.errors())


def parse(name: object, args: object) -> Command:
    """The command ``name`` with ``args``, checked strictly; :class:`InvalidRequest` otherwise."""
    if not isinstance(name, str):
        raise InvalidRequest('send {"command": NAME, "args": {...}, "request_id": ID}', code="bad_message")
    found = _MODELS.get(name)
    if found is None:
        raise InvalidRequest(f"unknown command {name[:40]!r}", code="unknown_command")
    if not isinstance(args, dict):
        raise InvalidRequest("args must be an object")
    if "fields" in args and isinstance(args["fields"], list):
        args = args | {"fields": tuple(args["fields"])}
    if name == IssueTicket.name:
        args = {k: v for k, v in args.items() if k != "tracking_id"}  # always the server's own
    cls, model = found
    try:
        return cls(**model.model_validate(args).model_dump())
    except ValidationError as exc:
        raise InvalidRequest(problems(exc)) from None


def request_id_of(value: object) -> str | None:
    if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 64):
        raise InvalidRequest("request_id must be a string of 1 to 64 characters")
    return value


def deadline_of(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRequest("deadline must be a Unix time in seconds")
    return float(value)


# ---------------------------------------------------------------------- the one way in
def channel_rule(actor: Actor, command: Command) -> Command:
    """``issue_ticket`` as the server issues it: its own tracking id, the channel by who asks."""
    if not isinstance(command, IssueTicket):
        return command
    channel = command.channel
    if channel == "booking":
        raise InvalidRequest("booked tickets come from POST /api/v1/bookings/{code}/check-in")
    if actor.is_staff and channel == "kiosk":
        channel = "counter"  # a ticket an officer or supervisor issues at a desk
    return dataclasses.replace(command, channel=channel, tracking_id=secrets.token_urlsafe(12))


def submit(service: HallService, actor: Actor, command: Command, request_id: str | None = None, *,
           deadline: float | None = None) -> Outcome:
    """Authorize and run ``command`` for ``actor``; the answer, or a :class:`MotCuaError`."""
    command = channel_rule(actor, command)
    with service.read() as hall:
        authorize(actor, command.name, getattr(command, "counter", None), hall)
    if request_id is not None:
        request_id = f"{actor.role}:{actor.id}:{request_id}"[:100]
    return service.execute(command, request_id=request_id, actor=actor, deadline=deadline)
