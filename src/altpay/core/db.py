"""The database: one engine, and one transaction per unit of work.

PostgreSQL runs through SQLAlchemy's async engine (asyncpg). SQLite runs through the plain
``sqlite3`` driver called inline on the event loop: a primary-key read takes ~25 µs, far
less than the thread hop an async SQLite driver pays for every call. Repositories see one
interface, ``SqlConnection``, either way.

The hot read paths (a customer by id, a page of customers) run a ``ReadQuery``: a SQLAlchemy
statement built once with named parameters, compiled once per dialect, executed straight on
the driver's connection with SQLAlchemy's own type conversions. Per request that skips
building the statement, its cache key, the execution context and the result objects, which
cost several times the query itself (docs/performance.md).

A PostgreSQL read transaction runs in autocommit: under READ COMMITTED every statement has
its own snapshot anyway, so ``BEGIN``/``COMMIT`` bought nothing but two round trips.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, CursorResult, Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import Executable, Select

from altpay.core import metrics
from altpay.settings import Settings

T = TypeVar("T")

_WRITE_OPTION = "altpay_write"
ASYNC_DRIVERS = {"postgresql": "postgresql+asyncpg"}


class SqlConnection(Protocol):
    """What repositories use: execute a statement, fetch one scalar, or run a ReadQuery."""

    async def execute(self, statement: Executable) -> CursorResult[Any]: ...

    async def scalar(self, statement: Executable) -> Any: ...

    async def fetch(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Any]:
        """The rows of ``query`` with these parameter values (attribute access by column)."""
        ...


class ReadQuery:
    """A fixed SELECT with named ``bindparam``s, compiled once per dialect, run on the driver.

    Rows are named tuples with the statement's column names, their values converted by the
    columns' own SQLAlchemy types, exactly as ``Connection.execute`` would return them.
    """

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, _CompiledRead] = {}

    def compiled(self, dialect: Dialect) -> _CompiledRead:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _CompiledRead(self.statement, dialect)
        return compiled


class _CompiledRead:
    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("a ReadQuery cannot have expanding or literal-execute parameters")
        self.sql = compiled.string
        defaults = compiled.params
        self._parameters = [
            (name, defaults.get(name), _bind_processor(compiled.binds[name].type, dialect))
            for name in compiled.positiontup or ()
        ]
        columns = list(statement.selected_columns)
        row_type = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
        self._make: Callable[[Iterable[Any]], Any] = row_type._make
        self._converters = [
            (index, processor)
            for index, column in enumerate(columns)
            if (processor := _result_processor(column.type, dialect)) is not None
        ]

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        bound = []
        for name, default, process in self._parameters:
            value = values.get(name, default)
            bound.append(value if process is None or value is None else process(value))
        return bound

    def rows(self, raw: Iterable[Sequence[Any]]) -> list[Any]:
        make = self._make
        if not self._converters:
            return [make(row) for row in raw]
        rows = []
        for row in raw:
            values = list(row)
            for index, convert in self._converters:
                values[index] = convert(values[index])
            rows.append(make(values))
        return rows


def _bind_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    processor: Callable[[Any], Any] | None = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _result_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    processor: Callable[[Any], Any] | None = type_.dialect_impl(dialect).result_processor(
        dialect, None
    )
    return processor


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

    async def fetch(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Any]:
        # The same sqlite3 connection, inside the same transaction, without SQLAlchemy's
        # per-execution work.
        compiled = query.compiled(self._connection.dialect)
        driver = self._connection.connection.driver_connection
        assert driver is not None
        return compiled.rows(driver.execute(compiled.sql, compiled.parameters(values)))


class _SqliteRead:
    """A read on SQLite: each statement its own snapshot, as under PostgreSQL's READ COMMITTED.

    ``ReadQuery`` runs on one sqlite3 connection of the process kept for that, in autocommit,
    inline: no pool checkout, no transaction, no SQLAlchemy. Other statements run on a
    pooled SQLAlchemy connection, checked out only when the request runs one.
    """

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        self._connection: Connection | None = None

    def _pooled(self) -> Connection:
        if self._connection is None:
            self._connection = self._database.engine.connect()
        return self._connection

    async def execute(self, statement: Executable) -> CursorResult[Any]:
        return self._pooled().execute(statement)

    async def scalar(self, statement: Executable) -> Any:
        return self._pooled().scalar(statement)

    async def fetch(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Any]:
        compiled = query.compiled(self._database.engine.dialect)
        reader = self._database.reader()
        return compiled.rows(reader.execute(compiled.sql, compiled.parameters(values)))

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


class _AsyncWrite:
    """A PostgreSQL write transaction: every statement through SQLAlchemy, in the transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def execute(self, statement: Executable) -> CursorResult[Any]:
        return await self._connection.execute(statement)

    async def scalar(self, statement: Executable) -> Any:
        return await self._connection.scalar(statement)

    async def fetch(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Any]:
        # The read must be part of the transaction (and of its locks), which SQLAlchemy
        # begins on asyncpg's connection lazily: no shortcut here.
        result = await self._connection.execute(query.statement, dict(values))
        return list(result.all())


class _AsyncRead:
    """A PostgreSQL read, in autocommit: every statement is its own snapshot (READ COMMITTED).

    ``ReadQuery`` runs on the database's asyncpg read pool, a connection per statement; other
    statements run on an autocommit SQLAlchemy connection, checked out when the request runs
    one. Once it is, ``ReadQuery`` runs on it too: a request never holds two connections.
    """

    def __init__(self, database: AsyncDatabase) -> None:
        self._database = database
        self._connection: AsyncConnection | None = None

    async def _sqlalchemy(self) -> AsyncConnection:
        if self._connection is None:
            self._connection = await self._database.reader.connect().start()
        return self._connection

    async def execute(self, statement: Executable) -> CursorResult[Any]:
        return await (await self._sqlalchemy()).execute(statement)

    async def scalar(self, statement: Executable) -> Any:
        return await (await self._sqlalchemy()).scalar(statement)

    async def fetch(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Any]:
        compiled = query.compiled(self._database.engine.dialect)
        parameters = compiled.parameters(values)
        if self._connection is None:
            records = await self._database.read_pool_fetch(compiled.sql, parameters)
        else:
            raw: Any = await self._connection.get_raw_connection()
            records = await raw.driver_connection.fetch(compiled.sql, *parameters)
        return compiled.rows(records)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()


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
        database = AsyncDatabase(_create_postgresql_engine(url, settings), settings)
        pool_owner = database.engine.sync_engine
    event.listen(pool_owner, "checkout", _count_checkout)
    event.listen(pool_owner, "checkin", _count_checkin)
    return database


def _count_checkout(*_: object) -> None:
    metrics.DB_POOL_IN_USE.inc()


def _count_checkin(*_: object) -> None:
    metrics.DB_POOL_IN_USE.dec()


# Each pool names itself in pg_stat_activity.
TRANSACTIONS_POOL = "altpay"
READ_POOL = "altpay-reads"


def _server_settings(settings: Settings, pool: str) -> dict[str, str]:
    return {
        "statement_timeout": str(round(settings.db_statement_timeout * 1000)),
        "application_name": pool,
    }


def _create_postgresql_engine(url: str, settings: Settings) -> AsyncEngine:
    return create_async_engine(
        async_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout,
        # No pre-ping: on asyncpg it is BEGIN, a query and ROLLBACK, three round trips per
        # checkout. A connection found broken is invalidated with the whole pool instead.
        pool_pre_ping=False,
        connect_args={"server_settings": _server_settings(settings, TRANSACTIONS_POOL)},
    )


async def _nothing_to_reset(_connection: Any) -> None:
    """A read-pool connection only ever runs autocommit SELECTs: no session state to reset.

    asyncpg's default reset is a round trip on every release."""


class AsyncDatabase:
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        # Reads: one statement, one round trip (READ COMMITTED gives each statement its own
        # snapshot inside a transaction too).
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._settings = settings
        self._read_pool: Any = None
        self._read_pool_opening = asyncio.Lock()

    async def read_pool_fetch(self, sql: str, parameters: Sequence[Any]) -> Any:
        """Rows of one SELECT on asyncpg's own pool: the hot reads skip SQLAlchemy's pool,
        whose checkout and check-in run through a greenlet (~0.1 ms per read).

        A second pool of up to ``db_pool_size`` connections, beside the transactions' pool.
        """
        pool = self._read_pool or await self._open_read_pool()
        async with pool.acquire(timeout=self._settings.db_pool_timeout) as connection:
            return await connection.fetch(sql, *parameters)

    async def _open_read_pool(self) -> Any:
        import asyncpg  # type: ignore[import-untyped]

        async with self._read_pool_opening:
            if self._read_pool is None:
                self._read_pool = await asyncpg.create_pool(
                    **self._connect_options(),
                    min_size=0,
                    max_size=self._settings.db_pool_size,
                    reset=_nothing_to_reset,
                    server_settings=_server_settings(self._settings, READ_POOL),
                )
        return self._read_pool

    def _connect_options(self) -> dict[str, Any]:
        """What SQLAlchemy's asyncpg dialect gives ``asyncpg.connect`` for the URL (host,
        credentials, ``?ssl=…``, ``?command_timeout=…``), so that both pools connect alike."""
        _, options = self.engine.dialect.create_connect_args(self.engine.url)
        # The dialect's own options, which it consumes before calling asyncpg.
        cache_size = options.pop("prepared_statement_cache_size", None)
        options.pop("prepared_statement_name_func", None)
        if cache_size is not None:  # e.g. 0 behind PgBouncer: asyncpg's own name for it
            options["statement_cache_size"] = int(cache_size)
        return dict(options)

    @asynccontextmanager
    async def transaction(self, *, write: bool) -> AsyncIterator[SqlConnection]:
        if not write:
            read = _AsyncRead(self)
            try:
                yield read
            finally:
                await read.close()
            return
        async with self.engine.begin() as connection:
            yield _AsyncWrite(connection)

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        async with self.engine.begin() as connection:
            return await connection.run_sync(work)

    async def dispose(self) -> None:
        if self._read_pool is not None:
            pool, self._read_pool = self._read_pool, None
            await pool.close()
        await self.engine.dispose()


class SqliteDatabase:
    def __init__(self, url: str, settings: Settings) -> None:
        database = make_url(url).database
        if database and database != ":memory:":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        self._file = database if database and database != ":memory:" else None
        self._busy_timeout = settings.sqlite_busy_timeout
        self.engine: Engine = create_engine(
            url, connect_args={"timeout": settings.sqlite_busy_timeout, "check_same_thread": False}
        )
        event.listen(self.engine, "connect", _configure_sqlite_connection)
        event.listen(self.engine, "begin", _begin_sqlite_transaction)
        # SQLite has one writer. Writers of this process queue here, on the event loop,
        # so one never blocks the loop waiting for a lock that another coroutine holds.
        self._writer = asyncio.Lock()
        self._reader: sqlite3.Connection | None = None

    def reader(self) -> sqlite3.Connection:
        """The connection ReadQuery runs on in a read (inline, so one is enough)."""
        if self._reader is None:
            assert self._file is not None
            reader = sqlite3.connect(
                self._file, timeout=self._busy_timeout, check_same_thread=False
            )
            _configure_sqlite_connection(reader, None)
            self._reader = reader
        return self._reader

    @asynccontextmanager
    async def transaction(self, *, write: bool) -> AsyncIterator[SqlConnection]:
        if not write and self._file is not None:
            read = _SqliteRead(self)
            try:
                yield read
            finally:
                read.close()
            return
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
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self.engine.dispose()


def _configure_sqlite_connection(
    dbapi_connection: Any, _record: ConnectionPoolEntry | None
) -> None:
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
    if connection.get_execution_options().get(_WRITE_OPTION, False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        # A reader's BEGIN cannot wait or fail on a lock: straight to the driver, without
        # SQLAlchemy's per-statement work (a sizeable part of a primary-key read's cost).
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("BEGIN")
