"""The hall service: the engine, the store and the clock put together.

Web handlers, socket handlers, the CLI and the simulator all change the hall through
:meth:`HallService.execute`, which

1. locks the centre (in process and in the database),
2. reloads the hall from the database if another process wrote since,
3. answers a repeated request id with the answer it gave the first time,
4. applies the command to the engine at the current time,
5. commits the events, the changed rows and the audit record in one transaction,
6. and only then tells listeners (the socket layer) about the events.

Commands that arrive together share one transaction (group commit), without changing what a
caller sees: nobody is answered before the transaction holding their command is committed, and
if that transaction fails every command in it is refused and nothing of it stays, in the
database or in memory. With one process writing (SQLite) commands are applied in memory at once
and the next commit carries them; with several processes on PostgreSQL (``shared``) a leader
thread takes the centre's row lock, catches up with the other processes, then applies every
queued command and commits them together (two round trips to PostgreSQL per batch, see
:meth:`Store.group_transaction`).

    >>> service = HallService(config, Store("sqlite:///data/hall.db"))
    >>> outcome = service.execute(IssueTicket(field="DD"), request_id="kiosk-1:42")
    >>> outcome.ok, outcome.body["ticket"]["code"]
    (True, 'A001')
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .engine import Command, DomainError, Event, Hall, IssueTicket, Result, Ticket
from .engine.estimate import naive_wait
from .engine.routing import RoutingPolicy
from .store import Store

if TYPE_CHECKING:
    from .config import HallConfig
    from .store.db import WriteSet

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
    """The answer to one command: a JSON body (``{"error": CODE, …}`` when refused), the events it
    caused, and whether it is the stored answer of a repeated request id."""

    body: dict[str, Any]
    events: list[Event] = field(default_factory=list)
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return "error" not in self.body

    @property
    def error(self) -> str | None:
        return self.body.get("error")


class DeadlinePassed(DomainError):
    """The caller stopped waiting for this command before it could run; nothing was done."""

    code = "deadline_passed"


# The store keeps a number with each answered request id (older rows hold HTTP statuses);
# an answer is replayed from its body alone.
_ANSWERED, _REFUSED = 0, 1


@dataclass
class _Entry:
    body: dict[str, Any]
    events: list[Event]
    writes: list[WriteSet]
    request_id: str | None


class StaleHall(RuntimeError):
    """The database moved under a single-writer service: someone else writes to this centre."""


class _Queued:
    """A command waiting for the next shared group commit, and then its answer."""

    __slots__ = ("command", "request_id", "actor", "audit", "deadline", "entry", "twin", "outcome", "error", "done")

    def __init__(self, command: Command, request_id: str | None, actor: Actor, audit: bool,
                 deadline: float | None) -> None:
        self.command, self.request_id, self.actor, self.audit = command, request_id, actor, audit
        self.deadline = deadline
        self.entry: _Entry | None = None
        self.twin: _Queued | None = None  # an earlier command of the same batch with the same request id
        self.outcome: Outcome | None = None
        self.error: BaseException | None = None
        self.done = False


class _Batch:
    def __init__(self) -> None:
        self.base_seq: int | None = None  # the hall's seq before the batch's first command
        self.entries: list[_Entry] = []
        self.done = False
        self.error: BaseException | None = None


class HallService:
    """One centre's hall, kept in memory and on disk in step."""

    def __init__(self, config: HallConfig, store: Store, *, clock: Callable[[], datetime] = utcnow,
                 policy: RoutingPolicy | None = None, shared: bool = False,
                 estimator: Callable[[Hall, Ticket], float | None] | None = None, group_commit: bool = True) -> None:
        """``shared``: other processes write to the same database (PostgreSQL with several
        processes); reads and commands then catch up with them first. ``estimator``:
        ``(hall, ticket) -> minutes | None`` for the wait printed on a ticket (default: the naive
        rule of hall_server/engine/estimate.py). ``group_commit``: concurrent commands share one
        durable transaction."""
        self.config = config
        self.store = store
        self.clock = clock
        self.policy = policy
        self.shared = shared
        self._lock = threading.RLock()
        self.hall: Hall = store.load_hall(config, policy)
        self.listeners: list[Callable[[list[Event], HallService], None]] = []
        self.notice_listeners: list[Callable[[str], None]] = []
        self.estimator = estimator or naive_wait
        self.group_commit = group_commit
        self._commit_lock = threading.Lock()
        self._batch = _Batch()
        self._pending: dict[str, tuple[_Entry, _Batch]] = {}  # request id -> (entry, batch) not yet committed
        self._queue: list[_Queued] = []  # shared group commit: commands waiting for the next leader
        self._queue_cv = threading.Condition(threading.Lock())
        self._leading = False

    @property
    def centre_id(self) -> str:
        return self.config.id

    _stale = False  # the hall in memory may hold changes the database refused
    # (shared) The hall holds everything committed before this time.monotonic(): set when a
    # sequence check or a row lock started. A read asked after it must look at the database;
    # reads that waited for a group commit or for another read's check need not look again.
    _fresh_as_of = float("-inf")

    def _reload(self) -> None:
        """Throw the hall in memory away and rebuild it from the database (a read only)."""
        self._fresh_as_of = float("-inf")
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
    def read(self) -> Iterator[Hall]:
        """Hold the hall still while reading it: ``with service.read() as hall: ...``.

        In a multi-process deployment (``shared``) the hall first catches up with the database.
        """
        asked = time.monotonic()
        with self._lock:
            self._ensure_fresh()
            if self.shared and self._fresh_as_of < asked:
                self.refresh()
            yield self.hall

    def refresh(self) -> None:
        """Catch up with what other processes wrote (multi-process deployments)."""
        with self._lock:
            asked = time.monotonic()
            if self.store.db_seq(self.centre_id) != self.hall.seq:
                with self.store.engine.connect() as conn:
                    self.hall = self.store.catch_up(self.hall, conn)
            self._fresh_as_of = asked

    def execute(self, command: Command, *, request_id: str | None = None, actor: Actor = SYSTEM,
                audit: bool | None = None, deadline: float | None = None) -> Outcome:
        """Apply ``command`` durably; a refusal comes back as an outcome whose body is the error.

        ``deadline`` (Unix time): if the command has not run by then it does not run at all and
        is answered ``deadline_passed`` — checked under the lock, just before it would run. A
        request id answered before gets its stored answer, whatever the deadline.
        """
        if audit is None:
            audit = actor.is_staff
        if self.group_commit and not self.shared:
            return self._execute_grouped(command, request_id, actor, audit, deadline)
        if self.group_commit and getattr(self.store, "pipelined", False):
            return self._execute_shared_grouped(command, request_id, actor, audit, deadline)
        with self._lock:
            self._ensure_fresh()
            try:
                outcome = self._execute_locked(command, request_id, actor, audit, deadline)
            except BaseException:
                # The database refused or failed: forget what the engine did in memory.
                log.exception("command %s failed; reloading the hall from the database", command.name)
                self._reload()
                raise
            if outcome.events:
                self._publish(outcome.events)
        return outcome

    def _execute_locked(self, command: Command, request_id: str | None, actor: Actor, audit: bool,
                        deadline: float | None) -> Outcome:
        """One command in its own transaction, under the centre's row lock (no group commit)."""
        with self.store.transaction(self.centre_id) as tx:
            if tx.db_seq != self.hall.seq:
                self.hall = self.store.catch_up(self.hall, tx.conn)
            if request_id is not None:
                found = tx.find_request(request_id)
                if found is not None:
                    return Outcome(found[1], replayed=True)
            entry = self._apply(command, request_id, actor, audit, deadline)
            tx.apply(entry.writes)
        return Outcome(entry.body, entry.events)

    # ------------------------------------------------------------------ group commit
    # With one process writing (SQLite, the default), commands that arrive while a commit is on
    # its way to disk are applied in memory and committed together in the next transaction:
    # one flush for many tickets. Nobody is answered, and no event is published, before the
    # transaction holding their command is committed. If a commit fails, that batch and the one
    # built on top of it are refused (503) and the hall is rebuilt from the database.

    def _execute_grouped(self, command: Command, request_id: str | None, actor: Actor, audit: bool,
                         deadline: float | None) -> Outcome:
        with self._lock:
            self._ensure_fresh()
            if request_id is not None:
                pending = self._pending.get(request_id)
                if pending is None:
                    found = self.store.find_request(self.centre_id, request_id)
                    if found is not None:
                        return Outcome(found[1], replayed=True)
            if request_id is not None and pending is not None:
                entry, batch = pending
            else:
                batch = self._batch
                if batch.base_seq is None:
                    batch.base_seq = self.hall.seq
                entry = self._apply(command, request_id, actor, audit, deadline)
                batch.entries.append(entry)
                if request_id is not None:
                    self._pending[request_id] = (entry, batch)
                replay = False
        if request_id is not None and pending is not None:
            replay = True
        self._commit(batch)
        if batch.error is not None:
            raise batch.error
        return Outcome(entry.body, [] if replay else entry.events, replayed=replay)

    def _apply(self, command: Command, request_id: str | None, actor: Actor, audit: bool,
               deadline: float | None = None) -> _Entry:
        from .store.db import WriteSet

        at = self.clock()
        hall = self.hall
        cid = self.centre_id
        before = hall.advance(at)
        writes = [WriteSet.of(cid, before, hall)]
        result = None
        try:
            if deadline is not None and at.timestamp() > deadline:
                late = at.timestamp() - deadline
                log.warning("%s from %s %s refused: its deadline passed %.1f s ago (a stalled server, or the "
                            "device's clock is ahead)", command.name, actor.role, actor.id, late)
                raise DeadlinePassed(f"the caller stopped waiting {late:.1f} s ago; nothing was done")
            result = hall.execute(command, at)
        except DomainError as exc:
            body = exc.to_dict()
        else:
            writes.append(WriteSet.of(cid, result, hall))
            body = self._answer(command, result, hall)
        refused = "error" in body
        extra = WriteSet()
        if request_id is not None:
            extra.request(cid, request_id, at, _REFUSED if refused else _ANSWERED, body)
        if audit:
            detail = command.to_dict() | ({"request_id": request_id} if request_id else {})
            extra.audit_row(cid, at, actor.id, actor.role, command.name, detail, body["error"] if refused else "ok")
        writes.append(extra)
        return _Entry(body, before.events + (result.events if result else []), writes, request_id)

    def _commit(self, batch: _Batch) -> None:
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

    # ------------------------------------------------------------------ shared group commit
    # Several processes on one PostgreSQL database: memory cannot run ahead of the database, so
    # commands are queued; one thread at a time leads: it takes the centre's row lock, catches up
    # with what other processes wrote, answers repeated request ids from the database, applies
    # every queued command in order and commits them in one transaction. Commands arriving
    # meanwhile wait for the next leader (one of them).

    def _execute_shared_grouped(self, command: Command, request_id: str | None, actor: Actor, audit: bool,
                                deadline: float | None) -> Outcome:
        me = _Queued(command, request_id, actor, audit, deadline)
        cv = self._queue_cv
        with cv:
            self._queue.append(me)
            while not me.done:
                if self._leading:
                    cv.wait()
                    continue
                self._leading = True
                batch, self._queue = self._queue, []
                cv.release()
                try:
                    self._run_shared_batch(batch)
                finally:
                    cv.acquire()
                    self._leading = False
                    for queued in batch:
                        if queued.outcome is None and queued.error is None:  # the leader itself was interrupted
                            queued.error = RuntimeError("the group commit was interrupted; nothing was committed")
                        queued.done = True
                    cv.notify_all()
        if me.error is not None:
            raise me.error
        assert me.outcome is not None  # a command is done with an outcome or an error (see the finally above)
        return me.outcome

    def _run_shared_batch(self, batch: list[_Queued]) -> None:
        with self._lock:
            try:
                self._ensure_fresh()
                ids = list(dict.fromkeys(q.request_id for q in batch if q.request_id is not None))
                locking = time.monotonic()  # whatever was committed before this is seen under the lock
                with self.store.group_transaction(self.centre_id, ids, since=self.hall.seq) as tx:
                    if tx.db_seq != self.hall.seq:
                        self.hall = self.store.catch_up(self.hall, tx.conn, tx.changes)
                    first: dict[str, _Queued] = {}
                    for queued in batch:
                        rid = queued.request_id
                        if rid is not None and rid in tx.found:
                            queued.outcome = Outcome(tx.found[rid][1], replayed=True)
                        elif rid is not None and rid in first:
                            queued.twin = first[rid]  # a retry that came while the first was queued
                        else:
                            queued.entry = self._apply(queued.command, rid, queued.actor, queued.audit,
                                                       queued.deadline)
                            if rid is not None:
                                first[rid] = queued
                    tx.apply([w for q in batch if q.entry is not None for w in q.entry.writes])
            except BaseException as exc:
                # Nothing of the batch was committed: refuse every command, rebuild the hall.
                log.exception("shared group commit of %d command(s) failed; reloading the hall", len(batch))
                for queued in batch:
                    queued.error = exc
                self._reload()
                return
            self._fresh_as_of = locking
            events = []
            for queued in batch:
                if queued.entry is not None:
                    entry = queued.entry
                    queued.outcome = Outcome(entry.body, entry.events)
                    events += entry.events
                elif queued.twin is not None:
                    twin_entry = queued.twin.entry
                    assert twin_entry is not None  # a twin is the first of its request id: it was applied
                    queued.outcome = Outcome(twin_entry.body, [], replayed=True)
            if events:
                self._publish(events)

    def _answer(self, command: Command, result: Result, hall: Hall) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": True, "seq": hall.seq, "events": [e.kind for e in result.events]}
        if result.ticket is not None:
            ticket = result.ticket
            body["ticket"] = ticket.to_dict() | {"people_ahead": hall.people_ahead(ticket)}
            if isinstance(command, IssueTicket):
                body["ticket"]["tracking_id"] = ticket.tracking_id
                wait = self.estimator(hall, ticket)
                body["ticket"]["estimated_wait_minutes"] = round(wait, 1) if wait is not None else None
        number: int | None = getattr(command, "counter", None)  # the counter a counter command is about
        counter = result.counter or (result.counters.get(number) if number is not None else None)
        if counter is not None:
            body["counter"] = counter.to_dict()
        return body

    # ------------------------------------------------------------------ the display notice
    def notice(self) -> str:
        """The notice the waiting-room displays show (kept with the centre)."""
        return self.store.notice(self.centre_id)

    def set_notice(self, text: str, actor: Actor) -> None:
        """Store the notice with its audit row, then tell the notice listeners."""
        self.store.set_notice(self.centre_id, text, self.clock(), actor.id, actor.role)
        for listener in list(self.notice_listeners):
            try:
                listener(text)
            except Exception:
                log.exception("notice listener %r failed", listener)

    def _publish(self, events: list[Event]) -> None:
        for listener in list(self.listeners):
            try:
                listener(events, self)
            except Exception:  # a broken listener must never break the queue
                log.exception("event listener %r failed", listener)
