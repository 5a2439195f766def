"""SQLite, through the plain ``sqlite3`` driver called inline on the event loop.

A primary-key read takes ~25 µs, far less than the thread hop an async SQLite driver pays
for every call. SQLite has one writer: this process's writers queue on an ``asyncio.Lock``,
so that one never blocks the loop waiting for a lock another coroutine holds, and the write
lock another process holds is waited for with the loop free (``_take_write_lock``).
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, CursorResult, make_url
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import Executable

from altpay.core.db.errors import (
    DatabaseError,
    DatabaseUnavailable,
    as_database_error,
    translated,
)
from altpay.core.db.protocol import Rows, SqlConnection
from altpay.core.db.read_query import ReadQuery
from altpay.core.settings import Settings

T = TypeVar("T")

_WRITE_OPTION = "altpay_write"
# The waits between two tries of the write lock another process holds: from 2 ms, doubling,
# up to 50 ms.
_FIRST_LOCK_RETRY = 0.002
_LAST_LOCK_RETRY = 0.05


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


class _InlineConnection:
    """A synchronous SQLite connection behind the async interface, without a thread hop."""

    backend = "sqlite"

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def execute(
        self, statement: Executable, parameters: Rows | None = None
    ) -> CursorResult[Any]:
        try:
            return self._connection.execute(statement, parameters)
        except Exception as error:
            raise as_database_error(error)  # noqa: B904 (its cause is set)

    async def scalar(self, statement: Executable) -> Any:
        try:
            return self._connection.scalar(statement)
        except Exception as error:
            raise as_database_error(error)  # noqa: B904

    async def fetch(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Any]:
        # The same sqlite3 connection, inside the same transaction, without SQLAlchemy's
        # per-execution work.
        compiled = query.compiled(self._connection.dialect)
        driver = self._connection.connection.driver_connection
        assert driver is not None
        try:
            return compiled.rows(driver.execute(compiled.sql, compiled.parameters(values)))
        except Exception as error:
            raise as_database_error(error)  # noqa: B904


class _SqliteRead:
    """A read on SQLite: each statement its own snapshot, as under PostgreSQL's READ COMMITTED.

    ``ReadQuery`` runs on one sqlite3 connection of the process kept for that, in autocommit,
    inline: no pool checkout, no transaction, no SQLAlchemy. Other statements run on a
    pooled SQLAlchemy connection, checked out only when the read runs one.
    """

    backend = "sqlite"

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        self._connection: _InlineConnection | None = None
        self._pooled: Connection | None = None

    def _inline(self) -> _InlineConnection:
        if self._connection is None:
            with translated():
                self._pooled = self._database.engine.connect()
            self._connection = _InlineConnection(self._pooled)
        return self._connection

    async def execute(
        self, statement: Executable, parameters: Rows | None = None
    ) -> CursorResult[Any]:
        return await self._inline().execute(statement, parameters)

    async def scalar(self, statement: Executable) -> Any:
        return await self._inline().scalar(statement)

    async def fetch(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Any]:
        reader = self._database.reader()
        if reader is None:  # an in-memory database: one connection sees it
            return await self._inline().fetch(query, values)
        compiled = query.compiled(self._database.engine.dialect)
        try:
            return compiled.rows(reader.execute(compiled.sql, compiled.parameters(values)))
        except Exception as error:
            raise as_database_error(error)  # noqa: B904

    async def close(self) -> None:
        if self._pooled is not None:
            self._pooled.close()


class SqliteDatabase:
    def __init__(self, url: str, settings: Settings) -> None:
        database = make_url(url).database
        in_memory = not database or database == ":memory:"
        if not in_memory:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        self._file = None if in_memory else database
        self._busy_timeout = settings.sqlite_busy_timeout
        self.engine: Engine = create_engine(
            url, connect_args={"timeout": settings.sqlite_busy_timeout, "check_same_thread": False}
        )
        self._configure = functools.partial(
            _configure_sqlite_connection, cache_kib=settings.sqlite_cache_mib * 1024
        )
        event.listen(self.engine, "connect", self._configure)
        event.listen(self.engine, "begin", _begin_sqlite_transaction)
        self._writer = asyncio.Lock()
        self._reader: sqlite3.Connection | None = None

    def reader(self) -> sqlite3.Connection | None:
        """The connection ReadQuery runs on in a read (inline, so one is enough)."""
        if self._reader is None and self._file is not None:
            with translated():
                reader = sqlite3.connect(
                    self._file, timeout=self._busy_timeout, check_same_thread=False
                )
                self._configure(reader, None)
            self._reader = reader
        return self._reader

    def read(self) -> _SqliteRead:
        return _SqliteRead(self)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlConnection]:
        # Only connecting, BEGIN and COMMIT are translated here: the block's statements
        # translate their own errors, and any other error of the block is the caller's.
        async with self._writer:
            with translated():
                writer = self.engine.connect().execution_options(**{_WRITE_OPTION: True})
            with writer as connection:
                with translated():
                    await self._take_write_lock(connection)
                    transaction = connection.begin()
                try:
                    yield _InlineConnection(connection)
                except BaseException:
                    transaction.rollback()
                    raise
                with translated():
                    transaction.commit()

    async def _take_write_lock(self, connection: Connection) -> None:
        """``BEGIN IMMEDIATE``, waiting for another process's write lock without blocking the
        event loop: tried at once, then again after short sleeps, for up to the busy
        timeout; past it, ``DatabaseUnavailable`` (a 503).

        sqlite3's own busy wait would sleep inside the call, holding up every other request
        of the worker for as long."""
        driver = connection.connection.driver_connection
        assert driver is not None
        deadline = time.monotonic() + self._busy_timeout
        delay = _FIRST_LOCK_RETRY
        driver.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    driver.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    if not _is_busy(error):
                        raise
                    if time.monotonic() + delay > deadline:
                        raise DatabaseUnavailable(
                            "another process held the SQLite write lock past the busy timeout"
                        ) from error
                await asyncio.sleep(delay)
                delay = min(delay * 2, _LAST_LOCK_RETRY)
        finally:
            driver.execute(f"PRAGMA busy_timeout = {round(self._busy_timeout * 1000)}")

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        """``work`` in one transaction with foreign keys unenforced until its end, as SQLite's
        own procedure for schema changes says: Alembic's batch mode rebuilds a table (copy,
        drop, rename), and the drop of a table that rows refer to fails while they are
        enforced. ``PRAGMA foreign_key_check`` then refuses to commit a broken reference."""
        with self.engine.connect() as connection:
            driver = connection.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction
            try:
                with connection.begin():
                    result = work(connection)
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise DatabaseError(f"a row of {broken[0]} refers to no row of {broken[2]}")
                return result
            finally:
                driver.execute("PRAGMA foreign_keys=ON")

    async def dispose(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self.engine.dispose()


def _configure_sqlite_connection(
    dbapi_connection: Any, _record: ConnectionPoolEntry | None, *, cache_kib: int
) -> None:
    # Take transaction control from the driver so that writers can BEGIN IMMEDIATE (below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # SQLite's default cache (2 MiB) held too few pages for the reads of 1M customers: with
    # 32 MiB a get cost 251 -> 167 us of CPU in-process (docs/performance.md).
    cursor.execute(f"PRAGMA cache_size = -{cache_kib}")
    cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    # A writer takes the write lock up front: a deferred transaction that upgrades later
    # fails at once with "database is locked" instead of waiting out the busy timeout.
    if connection.get_execution_options().get(_WRITE_OPTION, False):
        driver = connection.connection.driver_connection
        if driver is None or not driver.in_transaction:  # else taken by _take_write_lock
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        # A reader's BEGIN cannot wait or fail on a lock: straight to the driver, without
        # SQLAlchemy's per-statement work (a sizeable part of a primary-key read's cost).
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("BEGIN")
