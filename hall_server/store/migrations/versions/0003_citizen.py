"""citizen features: ratings, notification opt-ins and outbox, bookings and slot capacity

Tables of hall_server/citizen/schema.py; every row names its centre.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels = None
depends_on = None


def _centre_fk(table: str):
    return sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name=op.f(f"fk_{table}_centre_id_centres"))


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_code", sa.String(length=8), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device", sa.String(length=100), nullable=False),
        _centre_fk("ratings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("centre_id", "ticket_id", name="uq_ratings_one_per_ticket"),
    )
    op.create_index("ix_ratings_centre_at", "ratings", ["centre_id", "at"])

    op.create_table(
        "notify_subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("tracking_id", sa.String(length=64), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        _centre_fk("notify_subscriptions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_subscriptions")),
        sa.UniqueConstraint("centre_id", "ticket_id", "channel", name="uq_notify_subscriptions_ticket_channel"),
    )
    op.create_index("ix_notify_subscriptions_active", "notify_subscriptions", ["centre_id", "active"])

    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _centre_fk("notify_outbox"),
        sa.ForeignKeyConstraint(["subscription_id"], ["notify_subscriptions.id"],
                                name=op.f("fk_notify_outbox_subscription_id_notify_subscriptions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_outbox")),
        sa.UniqueConstraint("subscription_id", "stage", name="uq_notify_outbox_once_per_stage"),
    )
    op.create_index("ix_notify_outbox_due", "notify_outbox", ["centre_id", "status", "next_attempt_at"])

    op.create_table(
        "notify_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        _centre_fk("notify_attempts"),
        sa.ForeignKeyConstraint(["outbox_id"], ["notify_outbox.id"],
                                name=op.f("fk_notify_attempts_outbox_id_notify_outbox")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_attempts")),
    )
    op.create_index("ix_notify_attempts_outbox", "notify_attempts", ["centre_id", "outbox_id"])

    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("ticket_code", sa.String(length=8), nullable=True),
        sa.Column("tracking_id", sa.String(length=64), nullable=True),
        _centre_fk("bookings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("centre_id", "code", name="uq_bookings_code"),
    )
    op.create_index("ix_bookings_centre_day", "bookings", ["centre_id", "day"])
    op.create_index("ix_bookings_phone_day", "bookings", ["centre_id", "phone", "day"])

    op.create_table(
        "booking_slots",
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        _centre_fk("booking_slots"),
        sa.PrimaryKeyConstraint("centre_id", "field", "starts_at", name=op.f("pk_booking_slots")),
    )
    op.create_index("ix_booking_slots_day", "booking_slots", ["centre_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_booking_slots_day", table_name="booking_slots")
    op.drop_table("booking_slots")
    op.drop_index("ix_bookings_phone_day", table_name="bookings")
    op.drop_index("ix_bookings_centre_day", table_name="bookings")
    op.drop_table("bookings")
    op.drop_index("ix_notify_attempts_outbox", table_name="notify_attempts")
    op.drop_table("notify_attempts")
    op.drop_index("ix_notify_outbox_due", table_name="notify_outbox")
    op.drop_table("notify_outbox")
    op.drop_index("ix_notify_subscriptions_active", table_name="notify_subscriptions")
    op.drop_table("notify_subscriptions")
    op.drop_index("ix_ratings_centre_at", table_name="ratings")
    op.drop_table("ratings")
