"""Errors: one root for every refusal the system answers a caller with, and the engine's own.

Every error carries a stable machine-readable ``code`` (used by the API and by clients to pick a
Vietnamese message) and an English ``message`` for logs and API responses. Transports map
classes to their own answers in one place (HTTP statuses: ``hall_server/web/errors.py``).
An engine command that raises changes nothing.
"""

from typing import Any


class MotCuaError(Exception):
    """The root: a request refused, with a code, a message and details. Nothing was changed."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **({"details": self.details} if self.details else {})}


class Refusal(MotCuaError):
    """A citizen-facing request refused (a booking, a rating, a notification), with the reason in
    Vietnamese too. ``kind`` says what sort of refusal it is: ``invalid`` (the request itself is
    wrong), ``not_found``, ``unauthenticated`` or ``conflict`` (not now, not in this state)."""

    KINDS = ("invalid", "not_found", "unauthenticated", "conflict")

    def __init__(self, code: str, message: str, message_vi: str, kind: str = "conflict", **details: Any) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"kind must be one of {self.KINDS}")
        super().__init__(message, **details)
        self.code, self.message_vi, self.kind = code, message_vi, kind

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "details": {"message_vi": self.message_vi} | self.details}


class DomainError(MotCuaError):
    """A command that the rules of the hall refuse now. Nothing was changed."""

    code = "domain_error"


class NotFound(DomainError):
    """An unknown field, counter, officer, priority category or ticket."""

    code = "not_found"


class InvalidCommand(DomainError):
    """A command whose arguments are wrong in themselves (bad type, bad value)."""

    code = "invalid_command"


class InvalidTransition(DomainError):
    """The ticket or counter is not in a state that allows this command."""

    code = "invalid_transition"


class CounterClosed(DomainError):
    code = "counter_closed"


class CounterPaused(DomainError):
    code = "counter_paused"


class CounterBusy(DomainError):
    code = "counter_busy"


class NoOfficer(DomainError):
    code = "no_officer"


class NothingWaiting(DomainError):
    """Call next found no waiting ticket in the fields the counter serves."""

    code = "nothing_waiting"

