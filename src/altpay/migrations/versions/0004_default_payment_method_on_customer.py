"""A customer's default payment method is the customer's own column.

It was a flag on each payment method with a partial unique index. As a column of the customer
(a foreign key, set to NULL when the method is deleted) two defaults cannot even be written,
and the customers domain reads its reply without the payment-methods table
(docs/decisions.md, "The default payment method").

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOREIGN_KEY = "fk_customers_default_payment_method_id_payment_methods"


def upgrade() -> None:
    with op.batch_alter_table("customers") as customers:
        customers.add_column(
            sa.Column("default_payment_method_id", sa.String(length=40), nullable=True)
        )
        customers.create_foreign_key(
            _FOREIGN_KEY,
            "payment_methods",
            ["default_payment_method_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        "UPDATE customers SET default_payment_method_id = (SELECT payment_methods.id"
        " FROM payment_methods WHERE payment_methods.customer_id = customers.id"
        " AND payment_methods.is_default)"
    )
    op.drop_index("uq_payment_methods_one_default", table_name="payment_methods")
    with op.batch_alter_table("payment_methods") as payment_methods:
        payment_methods.drop_column("is_default")


def downgrade() -> None:
    with op.batch_alter_table("payment_methods") as payment_methods:
        payment_methods.add_column(
            sa.Column("is_default", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE payment_methods SET is_default = EXISTS (SELECT 1 FROM customers"
        " WHERE customers.default_payment_method_id = payment_methods.id)"
    )
    with op.batch_alter_table("payment_methods") as payment_methods:
        payment_methods.alter_column("is_default", server_default=None)
    op.create_index(
        "uq_payment_methods_one_default",
        "payment_methods",
        ["customer_id"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )
    with op.batch_alter_table("customers") as customers:
        customers.drop_constraint(_FOREIGN_KEY, type_="foreignkey")
        customers.drop_column("default_payment_method_id")
