"""The customers table: one row per customer of an account."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import ForeignKey, Index, Integer, String, Table, UniqueConstraint, column, table
from sqlalchemy.orm import Mapped, mapped_column

from altpay.core.models import ID_LENGTH, Record
from altpay.core.timestamps import UTCDateTime

TEXT_LENGTH = 255


# NULL external ids (none given) never collide, on SQLite and PostgreSQL alike.
external_id_per_account = UniqueConstraint("account_id", "external_id")


class Customer(Record):
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_account_created", "account_id", "created_at", "id"),
        external_id_per_account,
    )

    account_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(TEXT_LENGTH))
    # Unicode case folding done in Python, so substring search folds the same on every backend.
    name_folded: Mapped[str] = mapped_column(String(4 * TEXT_LENGTH))
    legal_name: Mapped[str] = mapped_column(String(TEXT_LENGTH), default="")
    email: Mapped[str] = mapped_column(String(TEXT_LENGTH))
    ein: Mapped[str] = mapped_column(String(10), default="")
    external_id: Mapped[str | None] = mapped_column(String(TEXT_LENGTH), nullable=True)
    street_address: Mapped[str] = mapped_column(String(TEXT_LENGTH), default="")
    sub_premise: Mapped[str] = mapped_column(String(TEXT_LENGTH), default="")
    city: Mapped[str] = mapped_column(String(TEXT_LENGTH), default="")
    state: Mapped[str] = mapped_column(String(TEXT_LENGTH), default="")
    postal_code: Mapped[str] = mapped_column(String(TEXT_LENGTH), default="")
    country: Mapped[str] = mapped_column(String(3), default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The customer's own choice among its payment methods: one column, so never two. Deleting
    # the method clears it. use_alter: payment_methods refers back to customers.
    default_payment_method_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH),
        ForeignKey("payment_methods.id", ondelete="SET NULL", use_alter=True),
        nullable=True,
    )


customers = cast(Table, Customer.__table__)

# The company-name substring filter (LIKE '%…%') on PostgreSQL: a trigram index serves
# substrings of three or more characters. SQLite's is below.
Index(
    "ix_customers_name_trgm",
    customers.c.name_folded,
    postgresql_using="gin",
    postgresql_ops={"name_folded": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")

# The same filter's index on SQLite (migration 0009): FTS5 trigrams of each folded name, keyed
# by a key of each customer's own, kept by triggers. Tables the metadata does not model (FTS5
# is a virtual table), so Alembic is told to leave them be; these name their columns for queries.
# A key's row also holds copies of the columns the filter decides by (migration 0011).
customer_search_keys = table(
    "customer_search_keys",
    column("key", Integer()),
    column("customer_id", String()),
    column("account_id", String()),
    column("created_at", UTCDateTime()),
    column("archived_at", UTCDateTime()),
    column("name_folded", String()),
)
customer_name_trigrams = table(
    "customer_name_trigrams", column("rowid", Integer()), column("name_folded", String())
)
UNMODELLED_TABLES = ("customer_search_keys", "customer_name_trigrams")
