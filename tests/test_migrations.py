"""The migrations, on SQLite and PostgreSQL: up to head, down to nothing, up again, and in
agreement with the models (``alembic check``); and ``altpay db`` as an operator runs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from altpay.core.db import open_database
from altpay.core.migrate import alembic_config, current, downgrade, head_revision, upgrade
from altpay.core.settings import Settings
from altpay.models import metadata, unmodelled
from tests.support import postgres
from tests.support.app import TEST_SIGNING_KEY
from tests.support.cli import Cli, altpay_env

BACKENDS = ("sqlite", "postgresql")
VERSION_TABLE = "alembic_version"


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a database with nothing in it yet."""
    if request.param == "sqlite":
        yield Settings(
            data_dir=tmp_path,
            database_url=f"sqlite:///{tmp_path / 'migrations.db'}",
            signing_key=TEST_SIGNING_KEY,
        )
        return
    postgres.require_server()
    url = postgres.create_database("altpay_migrations")
    try:
        yield Settings(data_dir=tmp_path, database_url=url, signing_key=TEST_SIGNING_KEY)
    finally:
        postgres.drop_database(url)


def _schema(connection: Connection) -> dict[str, Any]:
    """Every table of the database with its columns, keys and indexes, comparable as data."""
    inspector = inspect(connection)
    schema: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        schema[table] = {
            # By name: a downgrade that adds a dropped column back adds it last, and
            # PostgreSQL cannot move it; the order of columns is no part of the schema here.
            "columns": sorted(
                (column["name"], str(column["type"]), column["nullable"])
                for column in inspector.get_columns(table)
            ),
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": sorted(
                (tuple(key["constrained_columns"]), key["referred_table"])
                for key in inspector.get_foreign_keys(table)
            ),
            "unique": sorted(
                (unique["name"], tuple(unique["column_names"]))
                for unique in inspector.get_unique_constraints(table)
            ),
            "indexes": sorted(
                (index["name"], *map(str, index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(table)
            ),
        }
    if connection.dialect.name == "postgresql":
        # Whatever else a migration might leave behind: sequences, views, types of our own.
        schema["(other relations)"] = sorted(
            connection.execute(
                text(
                    "SELECT relname, relkind FROM pg_class "
                    "WHERE relnamespace = 'public'::regnamespace AND relkind NOT IN ('r', 'i')"
                )
            ).all()
        )
        schema["(types)"] = sorted(
            connection.execute(
                text(
                    "SELECT typname FROM pg_type WHERE typnamespace = 'public'::regnamespace "
                    "AND typtype IN ('e', 'd', 'c') AND typrelid = 0"
                )
            ).scalars()
        )
    return schema


def _read_schema(settings: Settings) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        database = open_database(settings)
        try:
            return await database.run_sync(_schema)
        finally:
            await database.dispose()

    return asyncio.run(read())


def _expected_indexes(dialect: str) -> set[str]:
    names = set()
    for table in metadata.tables.values():
        for index in table.indexes:
            condition = getattr(index, "_ddl_if", None)
            if condition is None or condition.dialect in (None, dialect):
                names.add(str(index.name))
    return names


def test_upgrade_downgrade_and_upgrade_again(empty_database: Settings) -> None:
    settings = empty_database
    dialect = "sqlite" if settings.database_url_or_default().startswith("sqlite") else "postgresql"

    upgrade(settings)
    first = _read_schema(settings)
    assert current(settings) == head_revision()
    tables = {table for table in first if not unmodelled(table)}
    assert tables - {"(other relations)", "(types)"} == {*metadata.tables, VERSION_TABLE}
    # SQLite's company-name index, which no model declares (PostgreSQL's is an index).
    made_without_models = set(first) - tables
    if dialect == "sqlite":
        assert {"customer_search_keys", "customer_name_trigrams"} <= made_without_models
    else:
        assert made_without_models == set()
    indexes = {
        index[0] for table in first if table in metadata.tables for index in first[table]["indexes"]
    }
    assert _expected_indexes(dialect) <= indexes
    assert ("ix_customers_name_trgm" in indexes) is (dialect == "postgresql")

    downgrade(settings, "base")
    emptied = _read_schema(settings)
    assert current(settings) is None
    assert [table for table in emptied if not table.startswith("(")] == [VERSION_TABLE]
    assert emptied.get("(other relations)", []) == []
    assert emptied.get("(types)", []) == []

    upgrade(settings)
    assert _read_schema(settings) == first
    assert current(settings) == head_revision()


def test_models_and_migrations_agree(empty_database: Settings) -> None:
    upgrade(empty_database)

    # Raises AutoGenerateDiffsDetected, listing them, if a model and the migrations differ.
    command.check(alembic_config(empty_database))


def test_each_migration_steps_down_and_up(empty_database: Settings) -> None:
    """Every revision's downgrade undoes exactly its upgrade, one step at a time."""
    upgrade(empty_database)
    at_head = _read_schema(empty_database)
    steps = 0
    while current(empty_database) is not None:
        revision = current(empty_database)
        before = _read_schema(empty_database)
        downgrade(empty_database, "-1")
        upgrade(empty_database, "+1")
        assert current(empty_database) == revision
        assert _read_schema(empty_database) == before
        downgrade(empty_database, "-1")
        steps += 1
    assert steps >= 3
    upgrade(empty_database)
    assert _read_schema(empty_database) == at_head


def test_the_cli_migrates_postgresql_and_reports_the_revision(tmp_path: Path) -> None:
    postgres.require_server()
    url = postgres.create_database("altpay_migrations")
    cli = Cli({**altpay_env(tmp_path / "data"), "ALTPAY_DATABASE_URL": url})
    try:
        upgraded = cli("db", "upgrade")
        after = cli("db", "current")
    finally:
        postgres.drop_database(url)

    assert upgraded.status == 0, upgraded.stderr
    assert after.status == 0, after.stderr
    assert after.stdout.strip() == head_revision()


def _run_sql(settings: Settings, *statements: str) -> list[Any]:
    """Runs each statement in one transaction; the rows of the last."""

    def run(connection: Connection) -> list[Any]:
        rows: list[Any] = []
        for statement in statements:
            result = connection.execute(text(statement))
            rows = list(result.all()) if result.returns_rows else []
        return rows

    async def work() -> list[Any]:
        database = open_database(settings)
        try:
            return await database.run_sync(run)
        finally:
            await database.dispose()

    return asyncio.run(work())


_NOW = "'2026-11-30 12:00:00+00:00'"
_ROWS_AT_0003 = (
    f"INSERT INTO accounts VALUES ('acct_1', 'Acme', {_NOW}, {_NOW})",
    *(
        "INSERT INTO customers (id, account_id, name, name_folded, legal_name, email, ein,"
        " external_id, street_address, sub_premise, city, state, postal_code, country,"
        f" created_at, updated_at) VALUES ('{customer}', 'acct_1', 'Acme', 'acme', '',"
        f" 'a@acme.example', '', NULL, '', '', '', '', '', '', {_NOW}, {_NOW})"
        for customer in ("cus_1", "cus_2")
    ),
    "INSERT INTO customer_users (id, customer_id, email, email_folded, first_name, last_name,"
    " job_title, phone, created_at, updated_at) VALUES ('usr_1', 'cus_1', 'ana@acme.example',"
    f" 'ana@acme.example', 'Ana', 'Lopez', '', '', {_NOW}, {_NOW})",
    *(
        "INSERT INTO payment_methods (id, customer_id, type, brand, last4, exp_month, exp_year,"
        f" is_default, created_at, updated_at) VALUES ('{method}', '{customer}', 'card',"
        f" 'visa', '4242', '12', '2030', {default}, {_NOW}, {_NOW})"
        for method, customer, default in (
            ("pm_1", "cus_1", "false"),
            ("pm_2", "cus_1", "true"),
            ("pm_3", "cus_2", "false"),
        )
    ),
)


def test_the_default_payment_method_moves_to_the_customer_and_back_with_data(
    empty_database: Settings,
) -> None:
    """0004 on a database with rows (customers referred to by users and payment methods,
    which SQLite's table rebuild must survive): the default stays the default."""
    upgrade(empty_database, "0003")
    _run_sql(empty_database, *_ROWS_AT_0003)

    upgrade(empty_database, "0004")
    defaults = "SELECT id, default_payment_method_id FROM customers ORDER BY id"
    assert _run_sql(empty_database, defaults) == [("cus_1", "pm_2"), ("cus_2", None)]
    assert _run_sql(empty_database, "SELECT count(*) FROM customer_users") == [(1,)]

    downgrade(empty_database, "0003")
    flags = "SELECT id, is_default FROM payment_methods ORDER BY id"
    assert [(id, bool(flag)) for id, flag in _run_sql(empty_database, flags)] == [
        ("pm_1", False),
        ("pm_2", True),
        ("pm_3", False),
    ]

    upgrade(empty_database)
    assert _run_sql(empty_database, defaults) == [("cus_1", "pm_2"), ("cus_2", None)]
