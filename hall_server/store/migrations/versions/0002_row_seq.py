"""row sequence numbers, for catching up with other processes

Each ticket and counter row remembers the number of the last event that changed it, so a
process whose hall is behind the database reloads only what changed since.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=False, server_default="0"))
        batch.create_index("ix_tickets_seq", ["centre_id", "seq"])
    with op.batch_alter_table("counters") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("counters") as batch:
        batch.drop_column("seq")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_seq")
        batch.drop_column("seq")
