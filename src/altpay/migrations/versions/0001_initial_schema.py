"""Initial schema: accounts, API clients, customers, customer users, payment methods.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(length=40), nullable=False)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _text(name: str, length: int = 255, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _reference(name: str, table: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=40), sa.ForeignKey(f"{table}.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "accounts",
        _id(),
        _text("name"),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
    )
    op.create_table(
        "api_clients",
        _id(),
        _reference("account_id", "accounts"),
        _text("name"),
        _text("secret_key", 64),
        _text("secret_hash", 64),
        _text("scopes"),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_api_clients"),
    )
    op.create_index("ix_api_clients_account_id", "api_clients", ["account_id"])
    op.create_table(
        "customers",
        _id(),
        _reference("account_id", "accounts"),
        _text("name"),
        _text("name_folded", 1020),
        _text("legal_name"),
        _text("email"),
        _text("ein", 10),
        _text("external_id", nullable=True),
        _text("street_address"),
        _text("sub_premise"),
        _text("city"),
        _text("state"),
        _text("postal_code"),
        _text("country", 3),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint(
            "account_id", "external_id", name="uq_customers_account_id_external_id"
        ),
    )
    op.create_index("ix_customers_account_created", "customers", ["account_id", "created_at", "id"])
    op.create_table(
        "customer_users",
        _id(),
        _reference("customer_id", "customers"),
        _text("email", 254),
        _text("email_folded", 1016),
        _text("first_name", 100),
        _text("last_name", 100),
        _text("job_title", 100),
        _text("phone", 32),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_customer_users"),
        sa.UniqueConstraint(
            "customer_id", "email_folded", name="uq_customer_users_customer_id_email_folded"
        ),
    )
    op.create_index(
        "ix_customer_users_customer_created",
        "customer_users",
        ["customer_id", "created_at", "id"],
    )
    op.create_table(
        "payment_methods",
        _id(),
        _reference("customer_id", "customers"),
        _text("type", 8),
        _text("brand", 100),
        _text("last4", 4),
        _text("exp_month", 2),
        _text("exp_year", 4),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_payment_methods"),
    )
    op.create_index(
        "ix_payment_methods_customer_created",
        "payment_methods",
        ["customer_id", "created_at", "id"],
    )
    op.create_index(
        "uq_payment_methods_one_default",
        "payment_methods",
        ["customer_id"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )


def downgrade() -> None:
    for table in ("payment_methods", "customer_users", "customers", "api_clients", "accounts"):
        op.drop_table(table)
