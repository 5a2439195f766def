"""PostgreSQL: a trigram index for the company-name substring filter.

Creating the pg_trgm extension needs the CREATE privilege on the database (PostgreSQL 13+
treats pg_trgm as a trusted extension), or a superuser.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_customers_name_trgm",
        "customers",
        ["name_folded"],
        postgresql_using="gin",
        postgresql_ops={"name_folded": "gin_trgm_ops"},
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_customers_name_trgm", table_name="customers")
