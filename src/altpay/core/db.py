"""The database: one engine, and one transaction per unit of work.

PostgreSQL runs through SQLAlchemy's async engine (asyncpg). SQLite runs through the plain
``sqlite3`` driver called inline on the event loop: a primary-key read takes ~25 µs, far
less than the thread hop an async SQLite driver pays for every call. Repositories see one
interface, ``SqlConnection``, either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, CursorResult, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import Executable

from altpay.core import metrics
from altpay.settings import Settings

T = TypeVar("T")

_WRITE_OPTION = "altpay_write"
ASYNC_DRIVERS = {"postgresql": "postgresql+asyncpg"}


class SqlConnection(Protocol):
    """What repositories use: execute a statement, or fetch one scalar."""

    async def execute(self, statement: Executable) -> CursorResult[Any]: ...

    async def scalar(self, statement: Executable) -> Any: ...


def async_url(url: str) -> str:
    """The plain ``postgresql://`` URL users write, with our async driver."""
    parsed = make_url(url)
    driver = ASYNC_DRIVERS.get(parsed.get_backend_name())
    if driver is None:
        raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


class _InlineConnection:
    """A synchronous SQLite connection behind the async interface, without a thread hop."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def execute(self, statement: Executable) -> CursorResult[Any]:
        return self._connection.execute(statement)

    async def scalar(self, statement: Executable) -> Any:
        return self._connection.scalar(statement)


class Database(Protocol):
    """One transaction per unit of work: committed when the block ends, rolled back on error."""

    def transaction(self, *, write: bool) -> AbstractAsyncContextManager[SqlConnection]: ...

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        """Runs ``work`` with a plain SQLAlchemy connection in a transaction (migrations)."""
        ...

    async def dispose(self) -> None: ...


def open_database(settings: Settings) -> Database:
    url = settings.database_url_or_default()
    if make_url(url).get_backend_name() == "sqlite":
        database: SqliteDatabase | AsyncDatabase = SqliteDatabase(url, settings)
        pool_owner = database.engine
    else:
        database = AsyncDatabase(_create_postgresql_engine(url, settings))
        pool_owner = database.engine.sync_engine
    event.listen(pool_owner, "checkout", _count_checkout)
    event.listen(pool_owner, "checkin", _count_checkin)
    return database


def _count_checkout(*_: object) -> None:
    metrics.DB_POOL_IN_USE.inc()


def _count_checkin(*_: object) -> None:
    metrics.DB_POOL_IN_USE.dec()


def _create_postgresql_engine(url: str, settings: Settings) -> AsyncEngine:
    timeout_ms = str(round(settings.db_statement_timeout * 1000))
    return create_async_engine(
        async_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
        connect_args={"server_settings": {"statement_timeout": timeout_ms}},
    )


class AsyncDatabase:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @asynccontextmanager
    async def transaction(self, *, write: bool) -> AsyncIterator[SqlConnection]:
        async with self.engine.begin() as connection:
            yield connection

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        async with self.engine.begin() as connection:
            return await connection.run_sync(work)

    async def dispose(self) -> None:
        await self.engine.dispose()


class SqliteDatabase:
    def __init__(self, url: str, settings: Settings) -> None:
        database = make_url(url).database
        if database and database != ":memory:":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(
            url, connect_args={"timeout": settings.sqlite_busy_timeout, "check_same_thread": False}
        )
        event.listen(self.engine, "connect", _configure_sqlite_connection)
        event.listen(self.engine, "begin", _begin_sqlite_transaction)
        # SQLite has one writer. Writers of this process queue here, on the event loop,
        # so one never blocks the loop waiting for a lock that another coroutine holds.
        self._writer = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self, *, write: bool) -> AsyncIterator[SqlConnection]:
        if not write:
            with self.engine.begin() as connection:
                yield _InlineConnection(connection)
            return
        async with self._writer:
            writer = self.engine.connect().execution_options(**{_WRITE_OPTION: True})
            with writer as connection, connection.begin():
                yield _InlineConnection(connection)

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as connection:
            return work(connection)

    async def dispose(self) -> None:
        self.engine.dispose()


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
