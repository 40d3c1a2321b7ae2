"""Opt-ins, the outbox, and the background sender that never holds up the queue.

A citizen opts in for one ticket with :func:`subscribe`. The hall service calls
:meth:`NotificationWorker.listener` after every command (it only raises a flag); the worker's
thread then

1. **plans**: for every active opt-in, looks at its ticket in the hall and adds a row to
   ``notify_outbox`` for each stage now due — ``ahead:N`` once N or fewer people are ahead,
   ``called:<time of the call>`` when it is called — at most once per opt-in and stage, even
   with several processes (a unique key);
2. **delivers**: claims due rows one by one (a conditional ``UPDATE``, so two processes never
   send the same row at once), sends them through the channel's notifier, and logs each try in
   ``notify_attempts``. A failed try is retried after ``retry_base_seconds`` × 2ⁿ (capped at
   ``retry_max_seconds``) up to ``max_attempts`` times; a message still not out after
   ``expire_minutes`` is dropped as *expired* — nobody wants "go to counter 5" an hour late.

::

    worker = NotificationWorker(service, settings.notify, notifiers_from(settings.notify))
    service.listeners.append(worker.listener)
    worker.start()
    subscribe(store.engine, "demo", ticket, "sms", "+84912345678", now); worker.poke()

Delivery is at least once: a process that dies between the gateway's "OK" and writing *sent*
leaves the row claimed; another try follows when the claim runs out (``lease_seconds``).
Delivery timing uses the wall clock, not the hall's (tests may hold the hall's clock still).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..engine import TicketState
from . import schema as t
from .notify import DeliveryError, Message, ahead_text, called_text, subject_text

log = logging.getLogger(__name__)

TICKET_EVENTS = frozenset({
    "ticket_issued", "ticket_called", "ticket_recalled", "ticket_started", "ticket_finished", "ticket_no_show",
    "ticket_transferred", "ticket_cancelled", "ticket_expired", "day_started",
})


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# ---------------------------------------------------------------------- opt-ins
@dataclass(frozen=True)
class Subscription:
    id: int
    ticket_id: int
    tracking_id: str
    channel: str
    address: str
    active: bool


def subscribe(engine, centre_id: str, ticket, channel: str, address: str, now: datetime) -> Subscription:
    """Opt ``ticket`` in on ``channel`` (replacing an earlier address on that channel)."""
    s = t.notify_subscriptions
    where = and_(s.c.centre_id == centre_id, s.c.ticket_id == ticket.id, s.c.channel == channel)
    values = {"address": address, "active": True, "ended_at": None, "tracking_id": ticket.tracking_id}
    for _ in range(2):
        try:
            with t.writer(engine).begin() as conn:
                if conn.execute(update(s).where(where).values(**values)).rowcount == 0:
                    conn.execute(insert(s).values(centre_id=centre_id, ticket_id=ticket.id, channel=channel,
                                                  service_day=ticket.service_day, created_at=now, **values))
                row = conn.execute(select(s).where(where)).one()
            return _subscription(row)
        except IntegrityError:  # another request inserted the same opt-in meanwhile: update it
            continue
    raise RuntimeError("could not store the opt-in")


def unsubscribe(engine, centre_id: str, ticket_id: int, now: datetime) -> int:
    """End every opt-in of the ticket and drop its unsent messages; returns how many ended."""
    s, o = t.notify_subscriptions, t.notify_outbox
    with t.writer(engine).begin() as conn:
        ids = list(conn.execute(select(s.c.id).where(s.c.centre_id == centre_id, s.c.ticket_id == ticket_id,
                                                     s.c.active.is_(True))).scalars())
        if ids:
            conn.execute(update(s).where(s.c.id.in_(ids)).values(active=False, ended_at=now))
            conn.execute(update(o).where(o.c.subscription_id.in_(ids), o.c.status == "pending")
                         .values(status="superseded"))
    return len(ids)


def subscriptions_of(engine, centre_id: str, ticket_id: int) -> list[Subscription]:
    s = t.notify_subscriptions
    with engine.connect() as conn:
        rows = conn.execute(select(s).where(s.c.centre_id == centre_id, s.c.ticket_id == ticket_id,
                                            s.c.active.is_(True)).order_by(s.c.id)).all()
    return [_subscription(r) for r in rows]


def _subscription(row) -> Subscription:
    return Subscription(row.id, row.ticket_id, row.tracking_id, row.channel, row.address, row.active)


def outbox_log(engine, centre_id: str, limit: int = 100) -> list[dict]:
    """The newest outbox rows with their tries, for the supervisor (addresses as stored)."""
    o, a = t.notify_outbox, t.notify_attempts
    with engine.connect() as conn:
        rows = conn.execute(select(o).where(o.c.centre_id == centre_id).order_by(o.c.id.desc()).limit(limit)).all()
        ids = [r.id for r in rows]
        tries: dict[int, list[dict]] = {}
        if ids:
            for r in conn.execute(select(a).where(a.c.centre_id == centre_id, a.c.outbox_id.in_(ids))
                                  .order_by(a.c.id)):
                tries.setdefault(r.outbox_id, []).append(
                    {"at": r.at.isoformat(), "ok": r.ok, "error": r.error, "duration_ms": r.duration_ms})
    return [
        {"id": r.id, "ticket_id": r.ticket_id, "stage": r.stage, "channel": r.channel, "address": r.address,
         "text": r.text, "status": r.status, "attempts": r.attempts, "created_at": r.created_at.isoformat(),
         "sent_at": r.sent_at.isoformat() if r.sent_at else None, "last_error": r.last_error,
         "tries": tries.get(r.id, [])}
        for r in rows
    ]


# ---------------------------------------------------------------------- the worker
@dataclass(frozen=True)
class _Planned:
    subscription: Subscription
    stages: list[str]  # the first is sent; the others (passed thresholds) are recorded as superseded
    subject: str
    text: str
    called: bool


class NotificationWorker:
    """Plans and sends notifications in one background thread per app (see the module docstring)."""

    def __init__(self, service, settings, notifiers: dict, *, clock=utcnow, poll_seconds: float = 15.0,
                 lease_seconds: float = 120.0, batch: int = 20, coalesce_seconds: float = 0.1):
        self.service = service
        self.engine = service.store.engine
        self.writer = t.writer(self.engine)
        self.centre_id = service.centre_id
        self.config = service.config
        self.settings = settings
        self.notifiers = notifiers
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.batch = batch
        self.coalesce_seconds = coalesce_seconds
        self._wake = threading.Condition()
        self._dirty = True  # plan once at start: opt-ins may predate this process
        self._asked = 0  # rounds asked for (poke) and the last one a finished round had seen
        self._answered = 0
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0  # finished plan-and-deliver rounds (for tests and diagnostics)

    # ------------------------------------------------------------------ life cycle
    def listener(self, events, service=None) -> None:
        """A :class:`~hall_server.service.HallService` listener: note that tickets moved. Cheap."""
        if any(e.kind in TICKET_EVENTS for e in events):
            self.poke()

    def poke(self) -> int:
        """Ask for a round soon; returns the number of this request (see :meth:`wait_idle`)."""
        with self._wake:
            self._dirty = True
            self._asked += 1
            self._wake.notify()
            return self._asked

    def start(self) -> NotificationWorker:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"notify-{self.centre_id}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopped.set()
        self.poke()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until a whole round has run after this call; False on timeout (tests, diagnostics)."""
        asked = self.poke()
        deadline = time.monotonic() + timeout
        while self._answered < asked:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _run(self) -> None:
        from ..background import stopping

        wait = 0.0
        while not self._stopped.is_set() and not stopping.is_set():
            with self._wake:
                if not self._dirty and wait > 0:
                    self._wake.wait(wait)
                woken = self._dirty
            if woken and self.coalesce_seconds:
                time.sleep(self.coalesce_seconds)  # a burst of calls becomes one round
            with self._wake:
                planned, self._dirty = self._dirty, False
                asked = self._asked
            if self._stopped.is_set():
                break
            try:
                wait = self.run_once(plan=planned)
            except Exception:  # the database may be down a while: keep going, calmly
                log.exception("notification round failed")
                wait = min(self.poll_seconds, 5.0)
            self.rounds += 1
            self._answered = asked

    def run_once(self, plan: bool = True) -> float:
        """Plan (if asked) and deliver what is due; return how long to sleep before the next round."""
        if plan:
            self.plan()
        self.deliver()
        return self._next_wait()

    # ------------------------------------------------------------------ planning
    def plan(self) -> int:
        """Add the outbox rows now due; returns how many messages were queued."""
        s = t.notify_subscriptions
        with self.engine.connect() as conn:
            rows = conn.execute(select(s).where(s.c.centre_id == self.centre_id, s.c.active.is_(True))).all()
        if not rows:
            return 0
        subs = [_subscription(r) for r in rows]
        ended: list[int] = []
        planned: list[_Planned] = []
        centre = self.config.centre.name
        base = self.config.centre.public_url.rstrip("/")
        with self.service.read() as hall:
            for sub in subs:
                ticket = hall.tickets.get(sub.ticket_id)
                if ticket is None or ticket.tracking_id != sub.tracking_id or ticket.state.terminal:
                    ended.append(sub.id)
                    continue
                link = f"\n\nTheo dõi số thứ tự của bạn: {base}/t/{sub.tracking_id}" if sub.channel == "email" else ""
                if ticket.state is TicketState.WAITING:
                    ahead = hall.people_ahead(ticket)
                    due = [n for n in self.settings.ahead if ahead <= n]
                    if due:
                        planned.append(_Planned(sub, [f"ahead:{n}" for n in sorted(due)], subject_text(ticket.code),
                                                ahead_text(ticket.code, ahead, centre) + link, False))
                elif ticket.state is TicketState.CALLED and self.settings.on_call and ticket.called_at:
                    planned.append(_Planned(sub, [f"called:{ticket.called_at.isoformat()}"],
                                            subject_text(ticket.code),
                                            called_text(ticket.code, ticket.counter, centre) + link, True))
        if planned:  # most stages were queued in an earlier round: look before taking the write lock
            o = t.notify_outbox
            with self.engine.connect() as conn:
                known = {(r[0], r[1]) for r in conn.execute(select(o.c.subscription_id, o.c.stage).where(
                    o.c.subscription_id.in_([p.subscription.id for p in planned])))}
            planned = [p for p in planned if (p.subscription.id, p.stages[0]) not in known]
        if not planned and not ended:
            return 0
        now = self.clock()
        queued = 0
        with self.writer.begin() as conn:
            if ended:
                conn.execute(update(s).where(s.c.id.in_(ended)).values(active=False, ended_at=now))
                conn.execute(update(t.notify_outbox).where(t.notify_outbox.c.subscription_id.in_(ended),
                                                           t.notify_outbox.c.status == "pending")
                             .values(status="superseded"))
            for p in planned:
                queued += self._queue(conn, p, now)
        return queued

    def _queue(self, conn, p: _Planned, now: datetime) -> int:
        o = t.notify_outbox
        rows = [
            {"centre_id": self.centre_id, "subscription_id": p.subscription.id, "ticket_id": p.subscription.ticket_id,
             "stage": stage, "channel": p.subscription.channel, "address": p.subscription.address,
             "subject": p.subject, "text": p.text, "status": "pending" if i == 0 else "superseded",
             "attempts": 0, "created_at": now, "next_attempt_at": now,
             "expires_at": now + timedelta(minutes=self.settings.expire_minutes)}
            for i, stage in enumerate(p.stages)
        ]
        added = _insert_new(conn, o, rows)
        if p.called and added:
            # the call makes "N people ahead" pointless: drop what is still unsent
            conn.execute(update(o).where(o.c.subscription_id == p.subscription.id, o.c.status == "pending",
                                         o.c.stage.like("ahead:%")).values(status="superseded"))
        return 1 if added and added[0] == p.stages[0] else 0

    # ------------------------------------------------------------------ delivery
    def _due(self, now: datetime):
        o = t.notify_outbox
        return and_(o.c.centre_id == self.centre_id, or_(
            and_(o.c.status == "pending", o.c.next_attempt_at <= now),
            and_(o.c.status == "sending", o.c.claimed_until < now),  # a sender died holding it
        ))

    def deliver(self) -> int:
        """Send what is due, one message at a time; returns how many were sent."""
        o = t.notify_outbox
        sent = 0
        while not self._stopped.is_set():
            now = self.clock()
            with self.engine.connect() as conn:
                ids = list(conn.execute(select(o.c.id).where(self._due(now)).order_by(o.c.next_attempt_at, o.c.id)
                                        .limit(self.batch)).scalars())
            if not ids:
                return sent
            for oid in ids:
                if self._stopped.is_set():
                    return sent
                sent += self._deliver_one(oid)

    def _deliver_one(self, oid: int) -> int:
        o = t.notify_outbox
        now = self.clock()
        with self.writer.begin() as conn:
            claimed = conn.execute(
                update(o).where(o.c.id == oid, self._due(now))
                .values(status="sending", claimed_until=now + timedelta(seconds=self.lease_seconds))
            ).rowcount
            row = conn.execute(select(o).where(o.c.id == oid)).one() if claimed else None
        if row is None:
            return 0  # another process took it
        if row.expires_at <= now:
            self._finish(oid, None, status="expired", attempts=row.attempts, error=row.last_error)
            log.info("notification %d (%s) expired after %d tries", oid, row.stage, row.attempts)
            return 0
        notifier = self.notifiers.get(row.channel)
        started = time.monotonic()
        error: str | None = None
        retry = False
        if notifier is None:
            error = f"no {row.channel} gateway is configured"
        else:
            try:
                notifier.send(Message(row.channel, row.address, row.subject, row.text))
            except DeliveryError as exc:
                error, retry = str(exc), exc.retry
            except Exception as exc:  # an adapter's bug: log it, retry like a failure
                log.exception("notifier %r failed", notifier)
                error, retry = f"{exc.__class__.__name__}: {exc}", True
        took = int((time.monotonic() - started) * 1000)
        attempts = row.attempts + 1
        done = self.clock()
        tried = {"centre_id": self.centre_id, "outbox_id": oid, "at": done, "ok": error is None, "error": error,
                 "duration_ms": took}
        if error is None:
            self._finish(oid, tried, status="sent", attempts=attempts, sent_at=done)
            return 1
        if retry and attempts < self.settings.max_attempts:
            delay = min(self.settings.retry_max_seconds, self.settings.retry_base_seconds * 2 ** (attempts - 1))
            self._finish(oid, tried, status="pending", attempts=attempts, error=error,
                         next_attempt_at=done + timedelta(seconds=delay))
            log.warning("notification %d (%s) failed (try %d), again in %.1f s: %s",
                        oid, row.stage, attempts, delay, error)
        else:
            self._finish(oid, tried, status="failed", attempts=attempts, error=error)
            log.error("notification %d (%s) failed for good after %d tries: %s", oid, row.stage, attempts, error)
        return 0

    def _finish(self, oid: int, tried: dict | None, *, status: str, attempts: int, error: str | None = None,
                sent_at: datetime | None = None, next_attempt_at: datetime | None = None) -> None:
        """Record how the row ended (and the try, if one was made) in one transaction."""
        o = t.notify_outbox
        values = {"status": status, "attempts": attempts, "last_error": error, "claimed_until": None,
                  "sent_at": sent_at}
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        with self.writer.begin() as conn:
            if tried is not None:
                conn.execute(insert(t.notify_attempts).values(**tried))
            conn.execute(update(o).where(o.c.id == oid).values(**values))

    def _next_wait(self) -> float:
        """Seconds until the earliest pending retry (at most ``poll_seconds``)."""
        o = t.notify_outbox
        with self.engine.connect() as conn:
            first = conn.execute(select(o.c.next_attempt_at).where(o.c.centre_id == self.centre_id,
                                                                   o.c.status == "pending")
                                 .order_by(o.c.next_attempt_at).limit(1)).scalar()
        if first is None:
            return self.poll_seconds
        return max(0.01, min(self.poll_seconds, (first - self.clock()).total_seconds()))


def _insert_new(conn, table, rows: list[dict]) -> list[str]:
    """Insert the rows whose (subscription, stage) is new; return the stages added, in order."""
    added = []
    for row in rows:
        exists = conn.execute(select(table.c.id).where(table.c.subscription_id == row["subscription_id"],
                                                       table.c.stage == row["stage"])).first()
        if exists is not None:
            continue
        try:
            with conn.begin_nested():  # a savepoint: another process may insert the same stage meanwhile
                conn.execute(insert(table).values(**row))
            added.append(row["stage"])
        except IntegrityError:
            continue
    return added
