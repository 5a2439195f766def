"""Real PostgreSQL databases for tests: created, migrated, emptied and dropped by the tests.

The server is ``ALTPAY_TEST_POSTGRES_URL`` (default: 127.0.0.1:5432, user postgres). Under
``CI=true`` a test that needs it fails when it cannot connect; elsewhere it is skipped with
the reason shown.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import pytest

from altpay.core.migrate import upgrade
from altpay.core.settings import Settings
from altpay.models import metadata
from tests.support.app import TEST_SIGNING_KEY

SERVER_URL = os.environ.get("ALTPAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
# Every table of the models (a new one included, without anyone editing a list); Alembic's
# version table is not among them, and keeps its row.
TABLES = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)


def database_url(name: str) -> str:
    return f"{SERVER_URL.rstrip('/')}/{name}"


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(database_url("postgres"), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def require_server() -> None:
    """Fails under CI, else skips, when the PostgreSQL server cannot be reached."""
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError) as error:
        reason = f"PostgreSQL at {SERVER_URL} is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def create_database(prefix: str = "altpay_test") -> str:
    """A new, empty database; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    return database_url(name)


@contextmanager
def fresh_database(prefix: str = "altpay_test") -> Iterator[str]:
    """A new, empty database for the block (the server required), dropped afterwards."""
    require_server()
    url = create_database(prefix)
    try:
        yield url
    finally:
        drop_database(url)


@contextmanager
def migrated_database(prefix: str = "altpay_test") -> Iterator[str]:
    """A new database built by the migrations for the block (the server required), then
    dropped."""
    with fresh_database(prefix) as url:
        upgrade(Settings(database_url=url, signing_key=TEST_SIGNING_KEY))
        yield url


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def empty_tables(url: str) -> None:
    """Deletes every row of every table of the models."""

    async def truncate() -> None:
        connection = await asyncpg.connect(url, timeout=5)
        try:
            await connection.execute(f"TRUNCATE {TABLES} CASCADE")
        finally:
            await connection.close()

    asyncio.run(truncate())
