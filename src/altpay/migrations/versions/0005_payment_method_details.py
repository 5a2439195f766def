"""Payment methods gain the integrator's name for them, a card's funding, a bank's country.

Rows made before are operator-attached: their cards are taken as credit cards and their ACH
accounts as US accounts (docs/decisions.md, "Payment methods").

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (("custom_name", 255), ("funding", 8), ("country", 2))


def upgrade() -> None:
    with op.batch_alter_table("payment_methods") as payment_methods:
        for name, length in _COLUMNS:
            payment_methods.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
    op.execute("UPDATE payment_methods SET funding = 'credit' WHERE type = 'card'")
    op.execute("UPDATE payment_methods SET country = 'US' WHERE type = 'ach'")
    with op.batch_alter_table("payment_methods") as payment_methods:
        for name, _length in _COLUMNS:
            payment_methods.alter_column(name, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("payment_methods") as payment_methods:
        for name, _length in reversed(_COLUMNS):
            payment_methods.drop_column(name)
