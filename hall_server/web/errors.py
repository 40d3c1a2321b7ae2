"""HTTP statuses for refusals: the one mapping from the error hierarchy to the web's answers.

Nothing below the web layer knows HTTP. An error class maps to a status by its place in the
hierarchy (the first match below wins); a stored answer (a replayed request id) maps by its code.

    >>> from hall_server.engine.errors import CounterBusy, NotFound
    >>> http_status(NotFound("no counter 99")), http_status(CounterBusy("busy"))
    (404, 409)
    >>> status_of_answer({"error": "deadline_passed", "message": "too late"})
    408
    >>> status_of_answer({"ok": True}, created=True)
    201
"""

from __future__ import annotations

from ..engine.errors import DomainError, InvalidCommand, MotCuaError, NotFound, Refusal
from ..pipeline import Forbidden, InvalidRequest, Unauthenticated
from ..service import DeadlinePassed

STATUSES: list[tuple[type[MotCuaError], int]] = [
    (InvalidRequest, 400),
    (InvalidCommand, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (DeadlinePassed, 408),
    (DomainError, 409),
    (MotCuaError, 400),
]


KINDS = {"invalid": 400, "unauthenticated": 401, "not_found": 404, "conflict": 409}


class AnswerRefused(MotCuaError):
    """A command's refusal (the body it answered, or its stored answer) raised again by a web handler."""

    def __init__(self, body: dict) -> None:
        super().__init__(str(body.get("message", "")), **(body.get("details") or {}))
        self.code = str(body.get("error", "domain_error"))


def http_status(error: MotCuaError | type[MotCuaError]) -> int:
    if isinstance(error, Refusal):
        return KINDS[error.kind]
    if isinstance(error, AnswerRefused):
        return status_of_answer({"error": error.code})
    cls = error if isinstance(error, type) else type(error)
    return next(status for base, status in STATUSES if issubclass(cls, base))


def _all_codes() -> dict[str, int]:
    codes: dict[str, int] = {}
    stack: list[type[MotCuaError]] = [MotCuaError]
    while stack:
        cls = stack.pop()
        codes.setdefault(cls.code, http_status(cls))
        stack.extend(cls.__subclasses__())
    return codes


def status_of_answer(body: dict, created: bool = False) -> int:
    """The status of a command's answer: 200/201, or its error's status by code."""
    code = body.get("error")
    if code is None:
        return 201 if created else 200
    return _all_codes().get(code, 409)
