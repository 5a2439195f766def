"""Sandbox controls: a tenant's time to live, and the request log.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as table:
        table.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        table.create_index("ix_accounts_expires_at", ["expires_at"])
    op.create_table(
        "sandbox_requests",
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("duration_us", sa.Integer(), nullable=False),
        sa.Column("request_body", sa.Text(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sandbox_requests_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_requests")),
    )
    op.create_index(
        "ix_sandbox_requests_account_created",
        "sandbox_requests",
        ["account_id", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_sandbox_requests_account_created", table_name="sandbox_requests")
    op.drop_table("sandbox_requests")
    with op.batch_alter_table("accounts") as table:
        table.drop_index("ix_accounts_expires_at")
        table.drop_column("expires_at")
