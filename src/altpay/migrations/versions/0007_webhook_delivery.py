"""Webhook delivery: an event's claim by the worker delivering it, and the lease that lets one
worker at a time deliver on SQLite.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_events") as table:
        table.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "worker_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_leases")),
    )


def downgrade() -> None:
    op.drop_table("worker_leases")
    with op.batch_alter_table("webhook_events") as table:
        table.drop_column("claimed_until")
        table.drop_column("claimed_by")
