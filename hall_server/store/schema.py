"""Tables of the hall database (SQLAlchemy Core).

Every row names its centre, so one database can hold many centres. Wait and service
times are never stored as counters: reports derive them from ``transitions``.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


centres = Table(
    "centres",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False, default=0),
    Column("next_ticket_id", BigInteger, nullable=False, default=1),
    Column("service_day", Date, nullable=True),
    Column("notice", Text, nullable=False, default=""),
)

tickets = Table(
    "tickets",
    metadata,
    Column("centre_id", String(64), ForeignKey("centres.id"), primary_key=True),
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("code", String(8), nullable=False),
    Column("number", Integer, nullable=False),
    Column("issue_field", String(16), nullable=False),
    Column("field", String(16), nullable=False),
    Column("priority", String(32)),
    Column("channel", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("service_day", Date, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("tracking_id", String(64), nullable=False, unique=True),
    Column("counter", Integer),
    Column("officer", String(64)),
    Column("called_at", UTCDateTime),
    Column("serving_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("recalls", Integer, nullable=False, default=0),
    Column("transfers", Integer, nullable=False, default=0),
    Column("seq", BigInteger, nullable=False, server_default="0"),  # last event that changed the row
    # A number is never handed out twice in a day, whatever the process or restart.
    UniqueConstraint("centre_id", "service_day", "issue_field", "number", name="uq_tickets_number_per_day"),
    Index("ix_tickets_open", "centre_id", "state"),
    Index("ix_tickets_seq", "centre_id", "seq"),
)

counters = Table(
    "counters",
    metadata,
    Column("centre_id", String(64), ForeignKey("centres.id"), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("status", String(16), nullable=False),
    Column("officer", String(64)),
    Column("fields", JSON, nullable=False),
    Column("ticket_id", BigInteger),
    Column("pending", JSON, nullable=False),
    Column("seq", BigInteger, nullable=False, server_default="0"),
)

events = Table(
    "events",
    metadata,
    Column("centre_id", String(64), ForeignKey("centres.id"), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(40), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("data", JSON, nullable=False),
)

transitions = Table(
    "transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("centre_id", String(64), ForeignKey("centres.id"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("ticket_id", BigInteger, nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("field", String(16), nullable=False),
    Column("counter", Integer),
    Column("officer", String(64)),
    Index("ix_transitions_centre_at", "centre_id", "at"),
    Index("ix_transitions_ticket", "centre_id", "ticket_id"),
)

requests = Table(
    "requests",
    metadata,
    Column("centre_id", String(64), primary_key=True),
    Column("request_id", String(100), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", JSON, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("centre_id", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("outcome", String(40), nullable=False),
    Index("ix_audit_centre_at", "centre_id", "at"),
)
