"""The hall service: the engine, the store and the clock put together.

Web handlers, socket handlers, the CLI and the simulator all change the hall through
:meth:`HallService.execute`, which

1. locks the centre (in process and in the database),
2. reloads the hall from the database if another process wrote since,
3. answers a repeated request id with the answer it gave the first time,
4. applies the command to the engine at the current time,
5. commits the events, the changed rows and the audit record in one transaction,
6. and only then tells listeners (the socket layer) about the events.

    >>> service = HallService(config, Store("sqlite:///data/hall.db"))
    >>> outcome = service.execute(IssueTicket(field="DD"), request_id="kiosk-1:42")
    >>> outcome.status, outcome.body["ticket"]["code"]
    (201, 'A001')
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from .engine import Command, DomainError, Event, Hall, IssueTicket, Result
from .engine.estimate import naive_wait
from .store import Store

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Actor:
    """Who asks: a staff user, a device, or the public."""

    id: str
    role: str  # anonymous | dispenser | button_box | display | officer | supervisor | admin | system
    officer: str | None = None
    counters: tuple[int, ...] = ()

    @property
    def is_staff(self) -> bool:
        return self.role in ("officer", "supervisor", "admin")


SYSTEM = Actor("system", "system")


@dataclass
class Outcome:
    """The answer to one command: an HTTP-like status, a JSON body, the events it caused."""

    status: int
    body: dict
    events: list[Event] = field(default_factory=list)
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.status < 400


class HallService:
    """One centre's hall, kept in memory and on disk in step."""

    def __init__(self, config, store: Store, *, clock: Callable[[], datetime] = utcnow, policy=None):
        self.config = config
        self.store = store
        self.clock = clock
        self.policy = policy
        self._lock = threading.RLock()
        self.hall: Hall = store.load_hall(config, policy)
        self.listeners: list[Callable[[list[Event], "HallService"], None]] = []
        self.estimator = naive_wait  # (hall, ticket) -> minutes or None; see hall_server/engine/estimate.py

    @property
    def centre_id(self) -> str:
        return self.config.id

    shared = False  # True when other processes write to the same database

    @contextmanager
    def read(self):
        """Hold the hall still while reading it: ``with service.read() as hall: ...``.

        In a multi-process deployment (``shared``) the hall first catches up with the database.
        """
        with self._lock:
            if self.shared:
                self.refresh()
            yield self.hall

    def refresh(self) -> None:
        """Catch up with what other processes wrote (multi-process deployments)."""
        with self._lock:
            if self.store.db_seq(self.centre_id) != self.hall.seq:
                with self.store.engine.connect() as conn:
                    self.hall = self.store.catch_up(self.hall, conn)

    def execute(self, command: Command, *, request_id: str | None = None, actor: Actor = SYSTEM,
                audit: bool | None = None) -> Outcome:
        """Apply ``command`` durably. Domain errors come back as an outcome with status 4xx."""
        if audit is None:
            audit = actor.is_staff
        with self._lock:
            try:
                outcome = self._execute_locked(command, request_id, actor, audit)
            except BaseException:
                # The database refused or failed: forget what the engine did in memory.
                log.exception("command %s failed; reloading the hall from the database", command.name)
                self.hall = self.store.load_hall(self.config, self.policy)
                raise
            if outcome.events:
                self._publish(outcome.events)
        return outcome

    def _execute_locked(self, command, request_id, actor, audit) -> Outcome:
        at = self.clock()
        with self.store.transaction(self.centre_id) as tx:
            if tx.db_seq != self.hall.seq:
                self.hall = self.store.catch_up(self.hall, tx.conn)
            if request_id is not None:
                found = tx.find_request(request_id)
                if found is not None:
                    return Outcome(found[0], found[1], replayed=True)
            hall = self.hall
            before = hall.advance(at)
            tx.write(before, hall)
            try:
                result = hall.execute(command, at)
            except DomainError as exc:
                result = None
                status, body = exc.status, exc.to_dict()
            else:
                tx.write(result, hall)
                status, body = self._answer(command, result, hall)
            if request_id is not None:
                tx.save_request(request_id, at, status, body)
            if audit:
                detail = command.to_dict()
                if request_id:
                    detail["request_id"] = request_id
                tx.audit(at, actor.id, actor.role, command.name, detail, "ok" if status < 400 else body["error"])
            events = before.events + (result.events if result else [])
        return Outcome(status, body, events)

    def _answer(self, command: Command, result: Result, hall: Hall) -> tuple[int, dict]:
        body: dict = {"ok": True, "seq": hall.seq, "events": [e.kind for e in result.events]}
        if result.ticket is not None:
            ticket = result.ticket
            body["ticket"] = ticket.to_dict() | {"people_ahead": hall.people_ahead(ticket)}
            if isinstance(command, IssueTicket):
                body["ticket"]["tracking_id"] = ticket.tracking_id
                wait = self.estimator(hall, ticket)
                body["ticket"]["estimated_wait_minutes"] = round(wait, 1) if wait is not None else None
        counter = result.counter or (result.counters.get(getattr(command, "counter", None)))
        if counter is not None:
            body["counter"] = counter.to_dict()
        return (201 if isinstance(command, IssueTicket) else 200), body

    def _publish(self, events: list[Event]) -> None:
        for listener in list(self.listeners):
            try:
                listener(events, self)
            except Exception:  # a broken listener must never break the queue
                log.exception("event listener %r failed", listener)
