"""Tables of the citizen features (created by migration 0003_citizen). Every row names its centre.

* ``ratings`` — one satisfaction rating per served ticket, with the counter, officer and field
  copied from the stored ticket so reports never need to guess;
* ``notify_subscriptions`` — a citizen's opt-in (phone or e-mail) for one ticket;
* ``notify_outbox`` — each message to send, at most once per subscription and stage, with its
  state, attempts and next try; ``notify_attempts`` — one row per try (the delivery log);
* ``bookings`` — booked appointments and what became of them;
* ``booking_slots`` — seats taken per field and slot (the capacity check is one conditional
  ``UPDATE``), with an optional per-slot capacity that overrides the default.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ..store.schema import UTCDateTime, metadata

ratings = Table(
    "ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("centre_id", String(64), ForeignKey("centres.id"), nullable=False),
    Column("ticket_id", BigInteger, nullable=False),
    Column("ticket_code", String(8), nullable=False),
    Column("service_day", Date, nullable=False),
    Column("field", String(16), nullable=False),
    Column("counter", Integer, nullable=False),
    Column("officer", String(64)),
    Column("level", String(16), nullable=False),  # very_satisfied | satisfied | unsatisfied
    Column("reasons", JSON, nullable=False),  # reason codes, only with "unsatisfied"
    Column("finished_at", UTCDateTime, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("device", String(100), nullable=False),  # who sent it: a device id or a staff username
    UniqueConstraint("centre_id", "ticket_id", name="uq_ratings_one_per_ticket"),
    Index("ix_ratings_centre_at", "centre_id", "at"),
)

notify_subscriptions = Table(
    "notify_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("centre_id", String(64), ForeignKey("centres.id"), nullable=False),
    Column("ticket_id", BigInteger, nullable=False),
    Column("tracking_id", String(64), nullable=False),
    Column("service_day", Date, nullable=False),
    Column("channel", String(8), nullable=False),  # sms | email
    Column("address", String(254), nullable=False),  # +84… or an e-mail address
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    UniqueConstraint("centre_id", "ticket_id", "channel", name="uq_notify_subscriptions_ticket_channel"),
    Index("ix_notify_subscriptions_active", "centre_id", "active"),
)

notify_outbox = Table(
    "notify_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("centre_id", String(64), ForeignKey("centres.id"), nullable=False),
    Column("subscription_id", Integer, ForeignKey("notify_subscriptions.id"), nullable=False),
    Column("ticket_id", BigInteger, nullable=False),
    Column("stage", String(40), nullable=False),  # ahead:3 | called:<time of the call>
    Column("channel", String(8), nullable=False),
    Column("address", String(254), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("text", Text, nullable=False),
    # pending → sending → sent | failed (gave up) | expired (too late to matter) | superseded
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime),  # a sender holds the row until then
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    UniqueConstraint("subscription_id", "stage", name="uq_notify_outbox_once_per_stage"),
    Index("ix_notify_outbox_due", "centre_id", "status", "next_attempt_at"),
)

notify_attempts = Table(
    "notify_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("centre_id", String(64), ForeignKey("centres.id"), nullable=False),
    Column("outbox_id", Integer, ForeignKey("notify_outbox.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_notify_attempts_outbox", "centre_id", "outbox_id"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("centre_id", String(64), ForeignKey("centres.id"), nullable=False),
    Column("code", String(16), nullable=False),
    Column("field", String(16), nullable=False),
    Column("day", Date, nullable=False),  # local date of the slot
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("name", String(100), nullable=False),
    Column("phone", String(16), nullable=False),  # E.164
    Column("status", String(12), nullable=False),  # booked | checked_in | cancelled | no_show
    Column("created_at", UTCDateTime, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("changed_by", String(100), nullable=False),
    Column("ticket_id", BigInteger),
    Column("ticket_code", String(8)),
    Column("tracking_id", String(64)),
    UniqueConstraint("centre_id", "code", name="uq_bookings_code"),
    Index("ix_bookings_centre_day", "centre_id", "day"),
    Index("ix_bookings_phone_day", "centre_id", "phone", "day"),
)

booking_slots = Table(
    "booking_slots",
    metadata,
    Column("centre_id", String(64), ForeignKey("centres.id"), primary_key=True),
    Column("field", String(16), primary_key=True),
    Column("starts_at", UTCDateTime, primary_key=True),
    Column("day", Date, nullable=False),
    Column("booked", Integer, nullable=False),  # active bookings (booked or checked in)
    Column("capacity", Integer),  # NULL: the default from [booking]
    Index("ix_booking_slots_day", "centre_id", "day"),
)

TABLES = (ratings, notify_subscriptions, notify_outbox, notify_attempts, bookings, booking_slots)


def writer(engine):
    """``engine`` for write transactions: on SQLite they take the write lock at BEGIN, so two
    writers never deadlock upgrading a read (the same option as :attr:`hall_server.store.Store.writer`)."""
    return engine.execution_options(motcua_write=True)
