"""Webhooks: subscriptions (an endpoint URL per topic of an account, its signing secret) and
their events, the transactional outbox the delivery loop reads.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = sa.text("is_active")
_EVENT_INDEXES = (
    ("ix_webhook_events_account_created", ["account_id", "created_at", "id"]),
    ("ix_webhook_events_due", ["status", "next_attempt_at"]),
    ("ix_webhook_events_order", ["customer_id", "endpoint_url", "created_at", "id"]),
)


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("endpoint_url", sa.String(length=2048), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("secret_key", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_webhook_subscriptions_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index(
        "ix_webhook_subscriptions_account_created",
        "webhook_subscriptions",
        ["account_id", "created_at", "id"],
    )
    op.create_index(
        "uq_webhook_subscriptions_active_endpoint_topic",
        "webhook_subscriptions",
        ["account_id", "endpoint_url", "topic"],
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )
    op.create_table(
        "webhook_events",
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("subscription_id", sa.String(length=40), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("endpoint_url", sa.String(length=2048), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_response_status", sa.Integer(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_webhook_events_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_events_subscription_id_webhook_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
    )
    for name, columns in _EVENT_INDEXES:
        op.create_index(name, "webhook_events", columns)


def downgrade() -> None:
    for name, _columns in reversed(_EVENT_INDEXES):
        op.drop_index(name, "webhook_events")
    op.drop_table("webhook_events")
    op.drop_index("uq_webhook_subscriptions_active_endpoint_topic", "webhook_subscriptions")
    op.drop_index("ix_webhook_subscriptions_account_created", "webhook_subscriptions")
    op.drop_table("webhook_subscriptions")
