"""The database: one async engine, and one transaction per unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from altpay.settings import Settings

_WRITE_OPTION = "altpay_write"
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """The plain ``sqlite://`` / ``postgresql://`` URL users write, with our async driver."""
    parsed = make_url(url)
    driver = ASYNC_DRIVERS.get(parsed.get_backend_name())
    if driver is None:
        raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def create_engine_for(settings: Settings) -> AsyncEngine:
    url = settings.database_url_or_default()
    if make_url(url).get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, settings)
    return create_async_engine(async_url(url), pool_pre_ping=True)


def _create_sqlite_engine(url: str, settings: Settings) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        async_url(url), connect_args={"timeout": settings.sqlite_busy_timeout}
    )
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    event.listen(engine.sync_engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Take transaction control from the driver so that writers can BEGIN IMMEDIATE (below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    # A writer takes the write lock up front: a deferred transaction that upgrades later
    # fails at once with "database is locked" instead of waiting out the busy timeout.
    immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(create_engine_for(settings))

    @asynccontextmanager
    async def transaction(self, *, write: bool) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        async with self.engine.connect() as connection:
            if write:
                await connection.execution_options(**{_WRITE_OPTION: True})
            async with connection.begin():
                yield connection

    async def dispose(self) -> None:
        await self.engine.dispose()
