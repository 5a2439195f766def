"""PostgreSQL reads: ``ReadQuery`` on asyncpg's own pool, under the same limits as the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Integer, bindparam, column, func, select, table

from altpay.core.db import ReadQuery, StatementTimeout, open_database, reading
from altpay.core.db.postgresql import READ_POOL, TRANSACTIONS_POOL
from altpay.core.settings import Settings
from tests.support import postgres
from tests.support.app import TEST_SIGNING_KEY

BACKEND_PID = ReadQuery(select(func.pg_backend_pid().label("pid")))
SLEEP = ReadQuery(select(func.pg_sleep(bindparam("seconds")).label("slept")))


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A database of its own: its connections are this test's alone."""
    with postgres.fresh_database("altpay_db_test") as url:
        yield url


def _settings(url: str, **values: float) -> Settings:
    return Settings(database_url=url, signing_key=TEST_SIGNING_KEY, **values)


async def _connections_to(url: str) -> dict[str, int]:
    """The connections to the database now, by application name (each pool names itself)."""
    watcher = await asyncpg.connect(url, timeout=5)
    try:
        rows = await watcher.fetch(
            "SELECT application_name, count(*) AS connections FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "GROUP BY application_name"
        )
        return {row["application_name"]: row["connections"] for row in rows}
    finally:
        await watcher.close()


def test_a_read_query_is_cancelled_at_the_statement_timeout(empty_postgres: str) -> None:
    async def scenario() -> None:
        database = open_database(_settings(empty_postgres, db_statement_timeout=0.2))
        try:
            async with reading(database) as connection:
                with pytest.raises(StatementTimeout):
                    await connection.fetch(SLEEP, {"seconds": 2})
        finally:
            await database.dispose()

    asyncio.run(scenario())


def test_a_read_never_holds_two_connections(empty_postgres: str) -> None:
    async def scenario() -> tuple[int, int]:
        database = open_database(_settings(empty_postgres))
        try:
            async with reading(database) as connection:
                through_sqlalchemy = await connection.scalar(select(func.pg_backend_pid()))
                rows = await connection.fetch(BACKEND_PID, {})
                return through_sqlalchemy, rows[0].pid
        finally:
            await database.dispose()

    through_sqlalchemy, through_read_query = asyncio.run(scenario())

    # Once the read has a SQLAlchemy connection, ReadQuery runs on that one.
    assert through_read_query == through_sqlalchemy


def test_the_read_pool_is_bounded_and_closed_with_the_database(empty_postgres: str) -> None:
    async def scenario() -> tuple[dict[str, int], dict[str, int]]:
        database = open_database(_settings(empty_postgres, db_pool_size=2))

        async def one_read() -> None:
            async with reading(database) as connection:
                await connection.fetch(SLEEP, {"seconds": 0.3})

        try:
            reads = asyncio.gather(*(one_read() for _ in range(6)))
            await asyncio.sleep(0.15)
            during = await _connections_to(empty_postgres)
            await reads
        finally:
            await database.dispose()
        return during, await _connections_to(empty_postgres)

    during, after = asyncio.run(scenario())

    # Six hot reads at once: on the read pool, two at a time; none on the transactions' pool.
    assert during == {READ_POOL: 2}
    assert after == {}


def test_both_pools_connect_with_the_options_of_the_url(empty_postgres: str) -> None:
    # ssl and prepared_statement_cache_size are connection options (asyncpg's and SQLAlchemy's
    # dialect's): the read pool must take them as the engine does, not send them to the
    # server as settings.
    url = f"{empty_postgres}?ssl=disable&prepared_statement_cache_size=0"

    async def scenario() -> dict[str, int]:
        database = open_database(_settings(url))
        try:
            async with reading(database) as connection:
                assert (await connection.fetch(BACKEND_PID, {}))[0].pid > 0
            async with database.transaction() as connection:
                assert await connection.scalar(select(func.pg_backend_pid())) > 0
            return await _connections_to(empty_postgres)
        finally:
            await database.dispose()

    assert asyncio.run(scenario()) == {READ_POOL: 1, TRANSACTIONS_POOL: 1}


def test_a_custom_plan_read_is_never_run_with_a_generic_plan(empty_postgres: str) -> None:
    """A ``custom_plan`` ReadQuery (the company-name filter's) is prepared afresh on every
    run: PostgreSQL plans each run for its values, where a cached prepared statement may
    switch to a generic plan after five."""
    value = bindparam("value", type_=Integer())
    cached = ReadQuery(select((value + 1).label("cached")))
    custom = ReadQuery(select((value + 2).label("custom")), custom_plan=True)
    plans = ReadQuery(
        select(column("statement"), column("generic_plans"), column("custom_plans")).select_from(
            table("pg_prepared_statements")
        )
    )

    async def scenario() -> list[Any]:
        database = open_database(_settings(empty_postgres, db_pool_size=1))
        try:
            async with reading(database) as connection:
                for number in range(8):
                    assert (await connection.fetch(cached, {"value": number}))[
                        0
                    ].cached == number + 1
                    assert (await connection.fetch(custom, {"value": number}))[
                        0
                    ].custom == number + 2
                return await connection.fetch(plans, {})
        finally:
            await database.dispose()

    rows = asyncio.run(scenario())

    def runs_of(word: str) -> list[int]:
        return [r.generic_plans + r.custom_plans for r in rows if word in r.statement]

    assert runs_of("AS cached") == [8]  # one statement, cached, reused: eligible for generic
    assert all(runs <= 1 for runs in runs_of("AS custom")), rows  # each run its own plan
    assert all(r.generic_plans == 0 for r in rows if "AS custom" in r.statement), rows
