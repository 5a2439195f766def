"""SQLite connections: each is configured alike, the read connection and the writers'."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.sql import func

from altpay.core.db import ReadQuery, open_database, reading
from altpay.core.settings import Settings
from tests.support.app import TEST_SIGNING_KEY

_CACHE = func.pragma_cache_size().table_valued("cache_size")
CACHE_SIZE = ReadQuery(select(_CACHE.c.cache_size))


def test_every_connection_has_the_configured_page_cache(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'altpay.db'}",
        data_dir=tmp_path,
        signing_key=TEST_SIGNING_KEY,
        sqlite_cache_mib=48,
    )

    async def cache_sizes() -> tuple[int, int]:
        database = open_database(settings)
        try:
            async with reading(database) as connection:
                read = (await connection.fetch(CACHE_SIZE, {}))[0].cache_size
            async with database.transaction() as connection:
                written = await connection.scalar(select(_CACHE.c.cache_size))
            return read, written
        finally:
            await database.dispose()

    # In KiB when negative: SQLite's own default is -2000.
    assert asyncio.run(cache_sizes()) == (-48 * 1024, -48 * 1024)
