"""SQLite: each customer's search key carries what the company-name filter decides by.

The filter's candidates come from the trigram index (0009) as search keys. Each was then
looked up in ``customers`` (a primary-key search and a row read) for its account, archived
state, creation time and name, and the whole row kept for the sort: at 1,000,000 customers a
word in 1,000 names cost 9-11 ms a page. The key's row now holds copies of those four columns
(kept by the triggers), so the page is decided in ``customer_search_keys`` alone and only its
rows are read from ``customers``: 1.5-2.2 ms (docs/performance.md). Like 0009's, these triggers
go with the table if a later migration rebuilds ``customers``, and must be created again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COPIED = ("account_id", "created_at", "archived_at", "name_folded")
_COLUMN_TYPES = {
    "account_id": "VARCHAR(40)",
    "created_at": "DATETIME",
    "archived_at": "DATETIME",
    "name_folded": "VARCHAR",
}
_INDEX_NEW_NAME = (
    "INSERT INTO customer_name_trigrams(rowid, name_folded) "
    "SELECT key, NEW.name_folded FROM customer_search_keys WHERE customer_id = NEW.id;"
)
_COPIES = ", ".join(_COPIED)
_NEW_VALUES = ", ".join(f"NEW.{name}" for name in _COPIED)

# 0009's, which gave a new key its customer id only (its text exactly, for the downgrade).
_INSERT_BEFORE = f"""
        AFTER INSERT ON customers BEGIN
            INSERT INTO customer_search_keys(customer_id) VALUES (NEW.id);
            {_INDEX_NEW_NAME}
        END"""
_INSERT = f"""
    AFTER INSERT ON customers BEGIN
        INSERT INTO customer_search_keys(customer_id, {_COPIES}) VALUES (NEW.id, {_NEW_VALUES});
        {_INDEX_NEW_NAME}
    END"""
_COPY_CHANGES = f"""
    AFTER UPDATE OF {_COPIES} ON customers BEGIN
        UPDATE customer_search_keys SET ({_COPIES}) = ({_NEW_VALUES}) WHERE customer_id = NEW.id;
    END"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in _COPIED:
        op.execute(f"ALTER TABLE customer_search_keys ADD COLUMN {name} {_COLUMN_TYPES[name]}")
    op.execute(
        f"UPDATE customer_search_keys SET ({_COPIES}) = (SELECT {_COPIES} FROM customers "
        "WHERE customers.id = customer_search_keys.customer_id)"
    )
    op.execute("DROP TRIGGER customers_search_insert")
    op.execute(f"CREATE TRIGGER customers_search_insert {_INSERT}")
    op.execute(f"CREATE TRIGGER customers_search_copy {_COPY_CHANGES}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER customers_search_copy")
    op.execute("DROP TRIGGER customers_search_insert")
    op.execute(f"CREATE TRIGGER customers_search_insert {_INSERT_BEFORE}")
    for name in _COPIED:
        op.execute(f"ALTER TABLE customer_search_keys DROP COLUMN {name}")
