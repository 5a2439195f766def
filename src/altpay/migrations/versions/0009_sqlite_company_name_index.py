"""SQLite: a trigram index for the company-name substring filter, as PostgreSQL has (0002).

An FTS5 table with the trigram tokenizer (SQLite 3.34 and later) holds every three-character
substring of each customer's folded name, kept in step with ``customers`` by triggers. FTS5
finds rows by an integer key, and the implicit rowid of ``customers`` (whose primary key is
text) is no such key: VACUUM may renumber it. So each customer is given a key of its own in
``customer_search_keys``, and the index is keyed on that. Contentless: the names are in
``customers``; the triggers give the index the old name to forget.

A later migration that rebuilds ``customers`` on SQLite (a batch operation copies the table)
drops these triggers with the old table, and must create them again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY_OF_OLD = "FROM customer_search_keys WHERE customer_id = OLD.id"
_FORGET_OLD_NAME = (
    "INSERT INTO customer_name_trigrams(customer_name_trigrams, rowid, name_folded) "
    f"SELECT 'delete', key, OLD.name_folded {_KEY_OF_OLD};"
)
_INDEX_NEW_NAME = (
    "INSERT INTO customer_name_trigrams(rowid, name_folded) "
    "SELECT key, NEW.name_folded FROM customer_search_keys WHERE customer_id = NEW.id;"
)

_TRIGGERS = {
    "customers_search_insert": f"""
        AFTER INSERT ON customers BEGIN
            INSERT INTO customer_search_keys(customer_id) VALUES (NEW.id);
            {_INDEX_NEW_NAME}
        END""",
    "customers_search_rename": f"""
        AFTER UPDATE OF name_folded ON customers BEGIN
            {_FORGET_OLD_NAME}
            {_INDEX_NEW_NAME}
        END""",
    "customers_search_delete": f"""
        AFTER DELETE ON customers BEGIN
            {_FORGET_OLD_NAME}
            DELETE {_KEY_OF_OLD};
        END""",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE customer_search_keys ("
        "key INTEGER PRIMARY KEY, customer_id VARCHAR(40) NOT NULL UNIQUE)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE customer_name_trigrams "
        "USING fts5(name_folded, content='', tokenize='trigram')"
    )
    op.execute("INSERT INTO customer_search_keys(customer_id) SELECT id FROM customers")
    op.execute(
        "INSERT INTO customer_name_trigrams(rowid, name_folded) "
        "SELECT key, name_folded FROM customer_search_keys "
        "JOIN customers ON customers.id = customer_search_keys.customer_id"
    )
    for name, body in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE customer_name_trigrams")
    op.execute("DROP TABLE customer_search_keys")
