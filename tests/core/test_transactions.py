"""Write transactions on both backends: what the block raises is the block's own error."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from altpay.core.db import Database, DatabaseError, open_database, reading
from altpay.core.settings import Settings
from tests.support import postgres
from tests.support.app import TEST_SIGNING_KEY

ROWS = Table("transaction_rows", MetaData(), Column("value", Integer, primary_key=True))


class BlockFailure(OSError):
    """An error of the caller's code inside the block, of a type the database layer also
    meets as a lost connection (``DatabaseUnavailable``)."""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'transactions.db'}"
        return
    with postgres.fresh_database("altpay_transactions") as url:
        yield url


async def _with_rows_table(url: str, data_dir: Path) -> Database:
    database = open_database(
        Settings(database_url=url, signing_key=TEST_SIGNING_KEY, data_dir=data_dir)
    )
    await database.run_sync(lambda connection: ROWS.create(connection))
    return database


async def _rows(database: Database) -> int:
    async with reading(database) as connection:
        count: int = await connection.scalar(select(func.count()).select_from(ROWS))
        return count


async def _fail_inside_a_write(database: Database) -> None:
    async with database.transaction() as connection:
        await connection.execute(insert(ROWS).values(value=1))
        raise BlockFailure("the caller's own code failed")


async def _insert_twice(database: Database) -> None:
    async with database.transaction() as connection:
        await connection.execute(insert(ROWS).values(value=1))
        await connection.execute(insert(ROWS).values(value=1))


def test_the_block_error_is_raised_as_itself_and_nothing_is_written(
    database_url: str, tmp_path: Path
) -> None:
    async def scenario() -> int:
        database = await _with_rows_table(database_url, tmp_path)
        try:
            with pytest.raises(BlockFailure) as raised:
                await _fail_inside_a_write(database)
            assert not isinstance(raised.value, DatabaseError)
            return await _rows(database)
        finally:
            await database.dispose()

    assert asyncio.run(scenario()) == 0


def test_a_statement_error_in_the_block_is_still_a_database_error(
    database_url: str, tmp_path: Path
) -> None:
    async def scenario() -> None:
        database = await _with_rows_table(database_url, tmp_path)
        try:
            with pytest.raises(DatabaseError):
                await _insert_twice(database)
            assert await _rows(database) == 0
        finally:
            await database.dispose()

    asyncio.run(scenario())
