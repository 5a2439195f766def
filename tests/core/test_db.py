"""PostgreSQL reads: ``ReadQuery`` on asyncpg's own pool, under the same limits as the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy import bindparam, func, select

from altpay.core.db import ReadQuery, open_database
from altpay.settings import Settings
from tests.conftest import TEST_SIGNING_KEY
from tests.support import postgres

BACKEND_PID = ReadQuery(select(func.pg_backend_pid().label("pid")))
SLEEP = ReadQuery(select(func.pg_sleep(bindparam("seconds")).label("slept")))


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A database of its own: its connections are this test's alone."""
    postgres.require_server()
    url = postgres.create_database("altpay_db_test")
    try:
        yield url
    finally:
        postgres.drop_database(url)


def _settings(url: str, **values: float) -> Settings:
    return Settings(database_url=url, signing_key=TEST_SIGNING_KEY, **values)


async def _connections_to(url: str) -> int:
    watcher = await asyncpg.connect(url, timeout=5)
    try:
        count: int = await watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return count
    finally:
        await watcher.close()


def test_a_read_query_is_cancelled_at_the_statement_timeout(empty_postgres: str) -> None:
    async def scenario() -> None:
        database = open_database(_settings(empty_postgres, db_statement_timeout=0.2))
        try:
            async with database.transaction(write=False) as connection:
                with pytest.raises(asyncpg.QueryCanceledError):
                    await connection.fetch(SLEEP, {"seconds": 2})
        finally:
            await database.dispose()

    asyncio.run(scenario())


def test_a_read_never_holds_two_connections(empty_postgres: str) -> None:
    async def scenario() -> tuple[int, int]:
        database = open_database(_settings(empty_postgres))
        try:
            async with database.transaction(write=False) as connection:
                through_sqlalchemy = await connection.scalar(select(func.pg_backend_pid()))
                rows = await connection.fetch(BACKEND_PID, {})
                return through_sqlalchemy, rows[0].pid
        finally:
            await database.dispose()

    through_sqlalchemy, through_read_query = asyncio.run(scenario())

    # Once the read has a SQLAlchemy connection, ReadQuery runs on that one.
    assert through_read_query == through_sqlalchemy


def test_the_read_pool_is_bounded_and_closed_with_the_database(empty_postgres: str) -> None:
    async def scenario() -> tuple[int, int]:
        database = open_database(_settings(empty_postgres, db_pool_size=2))

        async def one_read() -> None:
            async with database.transaction(write=False) as connection:
                await connection.fetch(SLEEP, {"seconds": 0.2})

        try:
            reads = asyncio.gather(*(one_read() for _ in range(6)))
            await asyncio.sleep(0.1)
            during = await _connections_to(empty_postgres)
            await reads
        finally:
            await database.dispose()
        return during, await _connections_to(empty_postgres)

    during, after = asyncio.run(scenario())

    assert during == 2
    assert after == 0
