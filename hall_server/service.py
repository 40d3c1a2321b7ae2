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


@dataclass
class _Entry:
    status: int
    body: dict
    events: list
    writes: list
    request_id: str | None


class StaleHall(RuntimeError):
    """The database moved under a single-writer service: someone else writes to this centre."""


class _Batch:
    def __init__(self):
        self.base_seq: int | None = None  # the hall's seq before the batch's first command
        self.entries: list[_Entry] = []
        self.done = False
        self.error: BaseException | None = None


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
        self.group_commit = True  # single writer: batch concurrent commands into one transaction
        self._commit_lock = threading.Lock()
        self._batch = _Batch()
        self._pending: dict[str, tuple] = {}  # request id -> (entry, batch) not yet committed

    @property
    def centre_id(self) -> str:
        return self.config.id

    shared = False  # True when other processes write to the same database
    _stale = False  # the hall in memory may hold changes the database refused

    def _reload(self) -> None:
        """Throw the hall in memory away and rebuild it from the database (a read only)."""
        try:
            self.hall = self.store.load_hall(self.config, self.policy, create=False)
            self._stale = False
        except Exception:
            self._stale = True  # retried before the next command or read
            log.exception("could not reload the hall; will retry")

    def _ensure_fresh(self) -> None:
        if self._stale:
            self.hall = self.store.load_hall(self.config, self.policy, create=False)
            self._stale = False

    @contextmanager
    def read(self):
        """Hold the hall still while reading it: ``with service.read() as hall: ...``.

        In a multi-process deployment (``shared``) the hall first catches up with the database.
        """
        with self._lock:
            self._ensure_fresh()
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
        if self.group_commit and not self.shared:
            return self._execute_grouped(command, request_id, actor, audit)
        with self._lock:
            self._ensure_fresh()
            try:
                outcome = self._execute_locked(command, request_id, actor, audit)
            except BaseException:
                # The database refused or failed: forget what the engine did in memory.
                log.exception("command %s failed; reloading the hall from the database", command.name)
                self._reload()
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

    # ------------------------------------------------------------------ group commit
    # With one process writing (SQLite, the default), commands that arrive while a commit is on
    # its way to disk are applied in memory and committed together in the next transaction:
    # one flush for many tickets. Nobody is answered, and no event is published, before the
    # transaction holding their command is committed. If a commit fails, that batch and the one
    # built on top of it are refused (503) and the hall is rebuilt from the database.

    def _execute_grouped(self, command, request_id, actor, audit) -> Outcome:
        with self._lock:
            self._ensure_fresh()
            if request_id is not None:
                pending = self._pending.get(request_id)
                if pending is None:
                    found = self.store.find_request(self.centre_id, request_id)
                    if found is not None:
                        return Outcome(found[0], found[1], replayed=True)
            if request_id is not None and pending is not None:
                entry, batch = pending
            else:
                batch = self._batch
                if batch.base_seq is None:
                    batch.base_seq = self.hall.seq
                entry = self._apply(command, request_id, actor, audit)
                batch.entries.append(entry)
                if request_id is not None:
                    self._pending[request_id] = (entry, batch)
                replay = False
        if request_id is not None and pending is not None:
            replay = True
        self._commit(batch)
        if batch.error is not None:
            raise batch.error
        return Outcome(entry.status, entry.body, [] if replay else entry.events, replayed=replay)

    def _apply(self, command, request_id, actor, audit) -> "_Entry":
        from .store.db import WriteSet

        at = self.clock()
        hall = self.hall
        cid = self.centre_id
        before = hall.advance(at)
        writes = [WriteSet.of(cid, before, hall)]
        try:
            result = hall.execute(command, at)
        except DomainError as exc:
            result = None
            status, body = exc.status, exc.to_dict()
        else:
            writes.append(WriteSet.of(cid, result, hall))
            status, body = self._answer(command, result, hall)
        extra = WriteSet()
        if request_id is not None:
            extra.request(cid, request_id, at, status, body)
        if audit:
            detail = command.to_dict() | ({"request_id": request_id} if request_id else {})
            extra.audit_row(cid, at, actor.id, actor.role, command.name, detail, "ok" if status < 400 else body["error"])
        writes.append(extra)
        return _Entry(status, body, before.events + (result.events if result else []), writes, request_id)

    def _commit(self, batch: "_Batch") -> None:
        with self._commit_lock:
            if batch.done:
                return
            with self._lock:
                if self._batch is batch:
                    self._batch = _Batch()  # commands from now on go to the next transaction
            try:
                if batch.error is None:
                    with self.store.transaction(self.centre_id) as tx:
                        if tx.db_seq != batch.base_seq:
                            raise StaleHall(f"another process wrote to centre {self.centre_id} (seq {tx.db_seq}, "
                                            f"expected {batch.base_seq}); run every process with shared=True")
                        tx.apply([w for entry in batch.entries for w in entry.writes])
            except BaseException as exc:
                log.exception("commit of %d command(s) failed; reloading the hall", len(batch.entries))
                batch.error = exc
                with self._lock:
                    self._batch.error = exc  # built on the state that just failed
                    self._batch = _Batch()
                    self._reload()
            finally:
                batch.done = True
                with self._lock:
                    for entry in batch.entries:
                        if entry.request_id is not None:
                            self._pending.pop(entry.request_id, None)
            if batch.error is None:
                events = [e for entry in batch.entries for e in entry.events]
                if events:
                    self._publish(events)

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
