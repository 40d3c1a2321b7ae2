"""The durable store: one transaction per command, state rebuilt on start.

    >>> store = Store("sqlite:///data/hall.db")
    >>> hall = store.load_hall(config)            # state as it was when the process died
    >>> with store.transaction(config.id) as tx:  # locks the centre row
    ...     result = hall.execute(cmd, at)
    ...     tx.apply([WriteSet.of(config.id, result, hall)])

SQLite runs in WAL mode with ``synchronous=FULL``: a commit is on disk before the
command is answered, so a power cut loses nothing that a citizen was told.
PostgreSQL URLs (``postgresql+psycopg://…``) go through the same code; the centre
row is then locked with ``SELECT … FOR UPDATE`` so several processes serialise.

On PostgreSQL with psycopg 3 the service's hot path uses :meth:`Store.group_transaction`:
one transaction for a batch of commands in two round trips, using libpq's pipeline mode
(``BEGIN``, the row lock and the request-id lookup in one; every write and ``COMMIT`` in the
other). ``synchronous_commit`` is left as the server has it (on): the ``COMMIT`` answer, which
comes after the WAL flush, is awaited before anyone is answered.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from sqlalchemy import bindparam, create_engine, event, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ..engine import Counter, CounterStatus, Hall, Result, Ticket, TicketState
from ..engine.model import _UNSET
from . import schema as t

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
OPEN_STATES = [s.value for s in TicketState if not s.terminal]


def make_engine(url: str) -> Engine:
    """Create a SQLAlchemy engine with the settings the hall needs for ``url``."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            # Checkpoints run in a background thread (Store._checkpointer) between commands;
            # the writer checkpoints itself only as a safety net if the WAL grows past ~40 MB.
            cur.execute("PRAGMA wal_autocheckpoint=10000")
            cur.execute("PRAGMA journal_size_limit=67108864")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # Writers take the write lock at once, so two never interleave read-then-write;
            # readers start a deferred transaction and never wait for a writer (WAL).
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("motcua_write") else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(engine: Engine) -> None:
    """Bring the database schema to the newest Alembic revision."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        alembic_command.upgrade(cfg, "head")


class WriteSet:
    """The rows one command writes, copied when it ran (so later commands cannot change them)."""

    def __init__(self) -> None:
        self.ticket_inserts: list[dict] = []
        self.ticket_updates: list[dict] = []
        self.counter_updates: list[dict] = []
        self.events: list[dict] = []
        self.transitions: list[dict] = []
        self.requests: list[dict] = []
        self.audit: list[dict] = []
        self.centre: dict | None = None

    @property
    def empty(self) -> bool:
        return not (self.events or self.requests or self.audit)

    @classmethod
    def of(cls, cid: str, result: Result, hall: Hall) -> WriteSet:
        w = cls()
        if not result.events:
            return w
        seq = hall.seq
        new_ids = {tr.ticket_id for tr in result.transitions if tr.from_state is None}
        for tid, tk in result.tickets.items():
            (w.ticket_inserts if tid in new_ids else w.ticket_updates).append(_ticket_row(cid, tk) | {"seq": seq})
        w.counter_updates = [_counter_row(cid, k) | {"seq": seq} for k in result.counters.values()]
        w.events = [{"centre_id": cid, "seq": e.seq, "kind": e.kind, "at": e.at, "data": e.data} for e in result.events]
        w.transitions = [
            {"centre_id": cid, "seq": tr.seq, "ticket_id": tr.ticket_id, "from_state": tr.from_state,
             "to_state": tr.to_state, "at": tr.at, "field": tr.field, "counter": tr.counter, "officer": tr.officer}
            for tr in result.transitions
        ]
        w.centre = {"seq": seq, "next_ticket_id": hall.next_ticket_id, "service_day": hall.service_day}
        return w

    def request(self, cid: str, request_id: str, at: datetime, status: int, response: dict) -> None:
        self.requests.append({"centre_id": cid, "request_id": request_id, "at": at, "status": status,
                              "response": response})

    def audit_row(self, cid: str, at, actor: str, role: str, action: str, detail: dict, outcome: str) -> None:
        self.audit.append({"centre_id": cid, "at": at, "actor": actor, "role": role, "action": action,
                           "detail": detail, "outcome": outcome})


class Transaction:
    """An open, centre-locked database transaction (see :meth:`Store.transaction`)."""

    def __init__(self, conn: Connection, centre_id: str, db_seq: int):
        self.conn = conn
        self.centre_id = centre_id
        self.db_seq = db_seq

    def apply(self, writesets: list[WriteSet]) -> None:
        """Persist several commands' writes in order, in this transaction (group commit)."""
        writesets = [w for w in writesets if not w.empty]
        if not writesets:
            return
        conn = self.conn
        cid = self.centre_id
        for table, key in ((t.tickets, "ticket_inserts"), (t.events, "events"), (t.transitions, "transitions"),
                           (t.requests, "requests"), (t.audit, "audit")):
            rows = [row for w in writesets for row in getattr(w, key)]
            if rows:
                conn.execute(insert(table), rows)
        for w in writesets:
            for row in w.ticket_updates:
                conn.execute(update(t.tickets).where(t.tickets.c.centre_id == cid, t.tickets.c.id == row["id"])
                             .values(**row))
            for row in w.counter_updates:
                conn.execute(update(t.counters).where(t.counters.c.centre_id == cid,
                                                      t.counters.c.number == row["number"]).values(**row))
        last = next((w for w in reversed(writesets) if w.centre is not None), None)
        if last is not None:
            conn.execute(update(t.centres).where(t.centres.c.id == cid).values(**last.centre))
            self.db_seq = last.centre["seq"]

    def find_request(self, request_id: str) -> tuple[int, dict] | None:
        row = self.conn.execute(
            select(t.requests.c.status, t.requests.c.response).where(
                t.requests.c.centre_id == self.centre_id, t.requests.c.request_id == request_id
            )
        ).first()
        return (row.status, row.response) if row else None


class GroupTransaction:
    """An open PostgreSQL transaction holding a centre's row lock (see :meth:`Store.group_transaction`).

    ``db_seq`` is the centre's sequence number under the lock, ``found`` the stored answers of the
    request ids asked about. Reads through ``conn`` (catch-up) run inside the transaction; writes
    given to :meth:`apply` are sent, with ``COMMIT``, in one round trip when the block ends.
    """

    def __init__(self, conn: Connection, centre_id: str, db_seq: int, found: dict[str, tuple[int, dict]]):
        self.conn = conn
        self.centre_id = centre_id
        self.db_seq = db_seq
        self.found = found
        self.changes: Changes | None = None
        self.writesets: list[WriteSet] = []

    def apply(self, writesets: list[WriteSet]) -> None:
        self.writesets.extend(w for w in writesets if not w.empty)


def _columns(table) -> str:
    return ", ".join(f'"{c.name}"' for c in table.columns)


_LOCK_SQL = f"SELECT {_columns(t.centres)} FROM centres WHERE id = %s FOR UPDATE"
_CHANGED_TICKETS_SQL = f"SELECT {_columns(t.tickets)} FROM tickets WHERE centre_id = %s AND seq > %s"
_CHANGED_COUNTERS_SQL = f"SELECT {_columns(t.counters)} FROM counters WHERE centre_id = %s AND seq > %s"


class _Row:
    """A row read through psycopg directly, with the column types' result processing applied
    (aware UTC datetimes), readable by attribute like a SQLAlchemy row."""

    def __init__(self, table, values: dict):
        for col in table.columns:
            value = values[col.name]
            if isinstance(col.type, t.UTCDateTime):
                value = col.type.process_result_value(value, None)
            setattr(self, col.name, value)


class Changes:
    """The centre row and the rows changed after seq ``since``, read under the row lock."""

    def __init__(self, since: int, centre: _Row, tickets: list[_Row], counters: list[_Row]):
        self.since, self.centre, self.tickets, self.counters = since, centre, tickets, counters
_FIND_SQL = "SELECT request_id, status, response FROM requests WHERE centre_id = %s AND request_id = ANY(%s)"


def _write_batched(conn: Connection, cid: str, writesets: list[WriteSet]) -> int | None:
    """Every row of ``writesets`` in a handful of statements (one per table and kind), in order.

    Returns the centre's new sequence number, or None if nothing moved it.
    """
    for table, key in ((t.tickets, "ticket_inserts"), (t.events, "events"), (t.transitions, "transitions"),
                       (t.requests, "requests"), (t.audit, "audit")):
        rows = [row for w in writesets for row in getattr(w, key)]
        if rows:  # inline: no RETURNING of generated keys (no result can be read inside a pipeline)
            conn.execute(insert(table).inline(), rows)
    # Updates in command order (a ticket called then finished in one batch ends finished).
    for table, key, pk in ((t.tickets, "ticket_updates", "id"), (t.counters, "counter_updates", "number")):
        rows = [row for w in writesets for row in getattr(w, key)]
        if not rows:
            continue
        cols = [c for c in rows[0] if c not in ("centre_id", pk)]
        stmt = (update(table).where(table.c.centre_id == bindparam("k_centre"), table.c[pk] == bindparam("k_pk"))
                .values({c: bindparam(c) for c in cols}))
        conn.execute(stmt, [{**{c: row[c] for c in cols}, "k_centre": cid, "k_pk": row[pk]} for row in rows])
    last = next((w for w in reversed(writesets) if w.centre is not None), None)
    if last is None:
        return None
    conn.execute(update(t.centres).where(t.centres.c.id == cid).values(**last.centre))
    return last.centre["seq"]


class Store:
    """The hall database. One instance per process; thread-safe through its pool."""

    CHECKPOINT_SECONDS = 1.0

    def __init__(self, url: str, *, run_migrations: bool = True):
        self.url = url
        self.engine = make_engine(url)
        if run_migrations:
            migrate(self.engine)
        self._closed = threading.Event()
        # PostgreSQL through psycopg 3: the hot path (group commits, the reads' sequence check)
        # has its own small pool in autocommit mode, so that it can send BEGIN and COMMIT itself
        # inside a pipeline, and without pre-ping (a dead connection fails the first round trip,
        # before anything is written, and is replaced once).
        dialect = self.engine.dialect
        self.pipelined = dialect.name == "postgresql" and dialect.driver == "psycopg"
        self._hot: Engine | None = None
        if self.pipelined:
            self._hot = create_engine(url, pool_size=2, max_overflow=18, isolation_level="AUTOCOMMIT")
        self.group_commits = 0  # transactions committed by group_transaction (tests, benchmarks)
        if self.engine.dialect.name == "sqlite":
            threading.Thread(target=self._checkpointer, name="sqlite-checkpoint", daemon=True).start()

    def _checkpointer(self) -> None:
        """Copy the WAL into the database file every few seconds without blocking writers."""
        from ..background import stopping

        while not self._closed.wait(self.CHECKPOINT_SECONDS) and not stopping.is_set():
            try:
                raw = self.engine.raw_connection()  # outside any transaction, as a checkpoint must be
                try:
                    raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                finally:
                    raw.close()
            except Exception:  # the next round tries again; a failed checkpoint loses nothing
                log.warning("WAL checkpoint failed", exc_info=True)

    def close(self) -> None:
        self._closed.set()
        self.engine.dispose()
        if self._hot is not None:
            self._hot.dispose()

    @property
    def writer(self) -> Engine:
        """The engine for write transactions (on SQLite they take the write lock at BEGIN)."""
        return self.engine.execution_options(motcua_write=True)

    def ensure_centre(self, config) -> None:
        """Create the centre's rows on first start; add counters new to the hall file."""
        with self.writer.begin() as conn:
            if conn.execute(select(t.centres.c.id).where(t.centres.c.id == config.id)).first() is None:
                conn.execute(insert(t.centres).values(id=config.id, seq=0, next_ticket_id=1, notice=""))
            known = set(
                conn.execute(select(t.counters.c.number).where(t.counters.c.centre_id == config.id)).scalars()
            )
            fresh = Hall(config)
            rows = [_counter_row(config.id, k) for n, k in fresh.counters.items() if n not in known]
            if rows:
                conn.execute(insert(t.counters), rows)

    def load_hall(self, config, policy=None, conn: Connection | None = None, *, create: bool = True) -> Hall:
        """Rebuild the centre's hall from the database (creating the centre if new)."""
        if conn is None:
            if create:
                self.ensure_centre(config)
            with self.engine.connect() as conn:
                return self._load(conn, config, policy)
        return self._load(conn, config, policy)

    def _load(self, conn: Connection, config, policy) -> Hall:
        cid = config.id
        centre = conn.execute(select(t.centres).where(t.centres.c.id == cid)).one()
        counters = [_counter_from_row(r) for r in conn.execute(select(t.counters).where(t.counters.c.centre_id == cid))]
        query = select(t.tickets).where(t.tickets.c.centre_id == cid)
        if centre.service_day is not None:
            query = query.where(or_(t.tickets.c.service_day >= centre.service_day, t.tickets.c.state.in_(OPEN_STATES)))
        tickets = [_ticket_from_row(r) for r in conn.execute(query)]
        return Hall.restore(
            config,
            seq=centre.seq,
            next_ticket_id=centre.next_ticket_id,
            service_day=centre.service_day,
            tickets=tickets,
            counters=counters,
            policy=policy,
        )

    def catch_up(self, hall: Hall, conn: Connection, prefetched: Changes | None = None) -> Hall:
        """Bring ``hall`` up to the database by reloading only rows changed since ``hall.seq``.

        Used when another process has written (multi-process deployments). A new service day
        or a gap too large for a patch falls back to a full reload.
        """
        config, cid = hall.config, hall.config.id
        if prefetched is not None and prefetched.since == hall.seq:
            centre = prefetched.centre  # read in the same round trip as the row lock
        else:
            prefetched = None
            centre = conn.execute(select(t.centres).where(t.centres.c.id == cid)).one()
        if centre.seq == hall.seq:
            return hall
        if centre.service_day != hall.service_day or centre.seq - hall.seq > 5000:
            return self._load(conn, config, hall.policy)
        if prefetched is not None:
            tickets = [_ticket_from_row(r) for r in prefetched.tickets]
            counters = [_counter_from_row(r) for r in prefetched.counters]
        else:
            tickets = [_ticket_from_row(r) for r in conn.execute(
                select(t.tickets).where(t.tickets.c.centre_id == cid, t.tickets.c.seq > hall.seq))]
            counters = [_counter_from_row(r) for r in conn.execute(
                select(t.counters).where(t.counters.c.centre_id == cid, t.counters.c.seq > hall.seq))]
        hall.patch(seq=centre.seq, next_ticket_id=centre.next_ticket_id, tickets=tickets, counters=counters)
        return hall

    @contextmanager
    def transaction(self, centre_id: str):
        """Open a transaction holding the centre's write lock; commit on success."""
        with self.writer.begin() as conn:
            seq = conn.execute(
                select(t.centres.c.seq).where(t.centres.c.id == centre_id).with_for_update()
            ).scalar_one()
            yield Transaction(conn, centre_id, seq)

    def _lock_and_find(self, centre_id: str, request_ids: list[str], since: int | None):
        """One round trip: BEGIN, lock the centre's row, look up request ids, and read the rows
        changed after seq ``since`` (what other processes wrote; usually none). One retry on a
        dead connection."""
        import psycopg
        from psycopg.rows import dict_row

        for attempt in (1, 2):
            conn = self._hot.connect()
            try:
                dc = conn.connection.driver_connection
                with dc.pipeline():
                    dc.execute("BEGIN")
                    lock = dc.cursor(row_factory=dict_row)
                    lock.execute(_LOCK_SQL, (centre_id,))
                    find = dc.execute(_FIND_SQL, (centre_id, request_ids)) if request_ids else None
                    if since is not None:  # after the lock in the same transaction: sees every commit before it
                        tickets = dc.cursor(row_factory=dict_row)
                        tickets.execute(_CHANGED_TICKETS_SQL, (centre_id, since))
                        counters = dc.cursor(row_factory=dict_row)
                        counters.execute(_CHANGED_COUNTERS_SQL, (centre_id, since))
                row = lock.fetchone()
                if row is None:
                    raise LookupError(f"no centre {centre_id!r} in the database")
                found = {r[0]: (r[1], r[2]) for r in find.fetchall()} if find is not None else {}
                changes = None
                if since is not None:
                    changes = Changes(since, _Row(t.centres, row), [_Row(t.tickets, r) for r in tickets.fetchall()],
                                      [_Row(t.counters, r) for r in counters.fetchall()])
                return conn, row["seq"], found, changes
            except psycopg.Error as exc:
                gone = bool(dc.closed or dc.broken)
                _discard(conn, gone)
                if gone and attempt == 1:
                    log.warning("PostgreSQL connection lost before the transaction began; retrying once")
                    continue
                raise DBAPIError.instance(_LOCK_SQL, None, exc, psycopg.Error, connection_invalidated=gone,
                                          dialect=self._hot.dialect) from exc
            except BaseException:
                _discard(conn, False)
                raise
        raise AssertionError("unreachable")

    @contextmanager
    def group_transaction(self, centre_id: str, request_ids: list[str] = (), since: int | None = None):
        """PostgreSQL: a transaction holding the centre's row lock, for a batch of commands.

        Two round trips when nobody else wrote: ``BEGIN`` + ``SELECT … FOR UPDATE`` + the stored
        answers of ``request_ids`` in one pipeline; then, when the block ends without an error,
        every write given to ``tx.apply`` and ``COMMIT`` in another. With ``since`` (the hall's
        seq) the first round trip also reads the centre row and the rows changed after it, for
        :meth:`catch_up` (``tx.changes``), so catching up with other processes costs no round
        trip. The block returns only once PostgreSQL has answered the ``COMMIT`` (after its WAL
        flush: ``synchronous_commit`` is not touched); if anything fails, the transaction is
        rolled back and the error raised.
        """
        import psycopg

        conn, seq, found, changes = self._lock_and_find(centre_id, list(request_ids), since)
        try:
            tx = GroupTransaction(conn, centre_id, seq, found)
            tx.changes = changes
            yield tx
            dc = conn.connection.driver_connection
            try:
                with dc.pipeline():
                    new_seq = _write_batched(conn, centre_id, tx.writesets)
                    dc.execute("COMMIT")
            except psycopg.Error as exc:
                gone = bool(dc.closed or dc.broken)
                _discard(conn, gone)
                raise DBAPIError.instance("COMMIT", None, exc, psycopg.Error, connection_invalidated=gone,
                                          dialect=self._hot.dialect) from exc
            if dc.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                raise RuntimeError(f"COMMIT did not end the transaction (status {dc.info.transaction_status!r})")
            if new_seq is not None:
                tx.db_seq = new_seq
            self.group_commits += 1
        except BaseException:
            _discard(conn, False)
            raise
        else:
            conn.close()

    def find_request(self, centre_id: str, request_id: str) -> tuple[int, dict] | None:
        """The stored answer to a request id, if that request was committed."""
        with self.engine.connect() as conn:
            return Transaction(conn, centre_id, 0).find_request(request_id)

    def db_seq(self, centre_id: str) -> int:
        """The centre's sequence number as committed (one round trip on PostgreSQL)."""
        query = select(t.centres.c.seq).where(t.centres.c.id == centre_id)
        if self._hot is None:
            with self.engine.connect() as conn:
                return conn.execute(query).scalar_one()
        for attempt in (1, 2):
            try:
                with self._hot.connect() as conn:
                    return conn.execute(query).scalar_one()
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def events_since(self, centre_id: str, seq: int, limit: int = 1000) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.events)
                .where(t.events.c.centre_id == centre_id, t.events.c.seq > seq)
                .order_by(t.events.c.seq)
                .limit(limit)
            )
            return [{"seq": r.seq, "kind": r.kind, "at": r.at.isoformat(), "data": r.data} for r in rows]

    def notice(self, centre_id: str) -> str:
        """The centre's notice for the waiting-room display ("" when there is none)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(t.centres.c.notice).where(t.centres.c.id == centre_id)).scalar()
        return value or ""

    def set_notice(self, centre_id: str, text: str, at: datetime, actor: str, role: str) -> None:
        """Store the notice and its audit row in one transaction."""
        with self.engine.begin() as conn:
            conn.execute(update(t.centres).where(t.centres.c.id == centre_id).values(notice=text))
            conn.execute(insert(t.audit).values(centre_id=centre_id, at=at, actor=actor, role=role,
                                                action="set_notice", detail={"text": text}, outcome="ok"))

    def count(self, table: str, centre_id: str) -> int:
        tbl = t.metadata.tables[table]
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(tbl).where(tbl.c.centre_id == centre_id)).scalar_one()


def _discard(conn: Connection, invalidate: bool) -> None:
    """Give a hot-path connection back after a failure: rolled back, or thrown away if it is broken."""
    if conn.closed:
        return
    try:
        if invalidate:
            conn.invalidate()
        else:
            dc = conn.connection.driver_connection
            if not dc.closed:
                dc.rollback()  # also leaves an aborted pipeline state
    except Exception:
        try:
            conn.invalidate()
        except Exception:
            pass
    finally:
        try:
            conn.close()
        except Exception:
            pass


# ---------------------------------------------------------------------- row mapping
def _ticket_row(cid: str, tk: Ticket) -> dict:
    return {
        "centre_id": cid, "id": tk.id, "code": tk.code, "number": tk.number, "issue_field": tk.issue_field,
        "field": tk.field, "priority": tk.priority, "channel": tk.channel, "state": tk.state.value,
        "service_day": tk.service_day, "issued_at": tk.issued_at, "tracking_id": tk.tracking_id,
        "counter": tk.counter, "officer": tk.officer, "called_at": tk.called_at, "serving_at": tk.serving_at,
        "finished_at": tk.finished_at, "recalls": tk.recalls, "transfers": tk.transfers,
    }


def _ticket_from_row(r) -> Ticket:
    return Ticket(
        id=r.id, code=r.code, number=r.number, issue_field=r.issue_field, field=r.field, priority=r.priority,
        channel=r.channel, state=TicketState(r.state), issued_at=r.issued_at, service_day=r.service_day,
        tracking_id=r.tracking_id, counter=r.counter, officer=r.officer, called_at=r.called_at,
        serving_at=r.serving_at, finished_at=r.finished_at, recalls=r.recalls, transfers=r.transfers,
    )


def _counter_row(cid: str, k: Counter) -> dict:
    pending: dict = {"fields": list(k.pending_fields) if k.pending_fields is not None else None}
    if k.has_pending_officer:
        pending["officer"] = k.pending_officer
    return {
        "centre_id": cid, "number": k.number, "status": k.status.value, "officer": k.officer,
        "fields": list(k.fields), "ticket_id": k.ticket, "pending": pending,
    }


def _counter_from_row(r) -> Counter:
    pending = r.pending or {}
    return Counter(
        number=r.number,
        status=CounterStatus(r.status),
        officer=r.officer,
        fields=tuple(r.fields),
        ticket=r.ticket_id,
        pending_fields=tuple(pending["fields"]) if pending.get("fields") is not None else None,
        pending_officer=pending["officer"] if "officer" in pending else _UNSET,
    )
