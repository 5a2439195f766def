"""PostgreSQL through SQLAlchemy's async engine on asyncpg, and a read pool of asyncpg's own.

A read runs in autocommit: under READ COMMITTED every statement has its own snapshot anyway,
so ``BEGIN``/``COMMIT`` bought nothing but two round trips. Being idempotent, a read whose
connection is lost (killed, or the server restarted) runs once more on a fresh one before
``DatabaseUnavailable`` is the answer; a write never is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy import exc as sqlalchemy_errors
from sqlalchemy.engine import Connection, CursorResult, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql import Executable

from altpay.core.db.errors import DatabaseUnavailable, as_database_error, translated
from altpay.core.db.protocol import Rows, SqlConnection
from altpay.core.db.read_query import ReadQuery
from altpay.core.settings import Settings

T = TypeVar("T")

ASYNC_DRIVERS = {"postgresql": "postgresql+asyncpg"}
# Each pool names itself in pg_stat_activity.
TRANSACTIONS_POOL = "altpay"
READ_POOL = "altpay-reads"


def async_url(url: str) -> str:
    """The plain ``postgresql://`` URL users write, with our async driver."""
    parsed = make_url(url)
    driver = ASYNC_DRIVERS.get(parsed.get_backend_name())
    if driver is None:
        raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


class _Transaction:
    """A PostgreSQL write transaction: every statement through SQLAlchemy, in the transaction."""

    backend = "postgresql"

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def execute(
        self, statement: Executable, parameters: Rows | None = None
    ) -> CursorResult[Any]:
        try:
            return await self._connection.execute(statement, parameters)
        except Exception as error:
            raise as_database_error(error)  # noqa: B904 (its cause is set)

    async def scalar(self, statement: Executable) -> Any:
        try:
            return await self._connection.scalar(statement)
        except Exception as error:
            raise as_database_error(error)  # noqa: B904

    async def fetch(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Any]:
        # The read must be part of the transaction (and of its locks), which SQLAlchemy
        # begins on asyncpg's connection lazily: no shortcut here.
        try:
            result = await self._connection.execute(query.statement, dict(values))
        except Exception as error:
            raise as_database_error(error)  # noqa: B904
        return list(result.all())


class _PostgresqlRead:
    """A PostgreSQL read, in autocommit: every statement is its own snapshot (READ COMMITTED).

    ``ReadQuery`` runs on the database's asyncpg read pool, a connection per statement; other
    statements run on an autocommit SQLAlchemy connection, checked out when the read runs
    one. Once it is, ``ReadQuery`` runs on it too: a read never holds two connections.
    """

    backend = "postgresql"

    def __init__(self, database: PostgresqlDatabase) -> None:
        self._database = database
        self._connection: AsyncConnection | None = None

    async def _sqlalchemy(self) -> AsyncConnection:
        if self._connection is None:
            with translated():
                self._connection = await self._database.reader.connect().start()
        return self._connection

    async def _drop_connection(self) -> None:
        """Forgets a connection found broken (SQLAlchemy has invalidated it), and lets the
        event loop see the other connections the server closed at the same moment, so that
        the retry does not take one of them from a pool."""
        await asyncio.sleep(_SETTLE_SECONDS)
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def execute(
        self, statement: Executable, parameters: Rows | None = None
    ) -> CursorResult[Any]:
        try:
            return await _Transaction(await self._sqlalchemy()).execute(statement, parameters)
        except DatabaseUnavailable as error:
            # A read is idempotent: once more, on a fresh connection (the one it had was
            # killed, or the database restarted); a second failure is the answer.
            if not _lost_connection(error):
                raise
            await self._drop_connection()
            return await _Transaction(await self._sqlalchemy()).execute(statement, parameters)

    async def scalar(self, statement: Executable) -> Any:
        try:
            return await _Transaction(await self._sqlalchemy()).scalar(statement)
        except DatabaseUnavailable as error:
            if not _lost_connection(error):
                raise
            await self._drop_connection()  # as in ``execute``: once more
            return await _Transaction(await self._sqlalchemy()).scalar(statement)

    async def fetch(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Any]:
        compiled = query.compiled(self._database.engine.dialect)
        parameters = compiled.parameters(values)
        try:
            records = await self._fetch(compiled.sql, parameters, query.custom_plan)
        except Exception as error:
            failure = as_database_error(error)
            if not _lost_connection(failure):
                raise failure  # noqa: B904 (its cause is set)
            # Idempotent: once more on a fresh connection (the pool replaces a dead one).
            await self._drop_connection()
            try:
                records = await self._fetch(compiled.sql, parameters, query.custom_plan)
            except Exception as second:
                raise as_database_error(second)  # noqa: B904 (its cause is set)
        return compiled.rows(records)

    async def _fetch(self, sql: str, parameters: Sequence[Any], custom_plan: bool) -> Any:
        if self._connection is None:
            return await self._database.read_pool_fetch(sql, parameters, custom_plan)
        raw: Any = await self._connection.get_raw_connection()
        return await _fetch_on(raw.driver_connection, sql, parameters, custom_plan)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()


# Before a read's one retry: enough for the closes of the server's other connections (all
# killed at once, or a restart) to reach the event loop.
_SETTLE_SECONDS = 0.01


async def _fetch_on(connection: Any, sql: str, parameters: Sequence[Any], custom_plan: bool) -> Any:
    """Rows of a SELECT on an asyncpg connection. asyncpg caches a prepared statement per
    SQL text, and after five runs PostgreSQL may run it with a generic plan; a
    ``custom_plan`` statement is prepared afresh (one more round trip, outside the cache),
    so every run is planned for its own values, as ``plan_cache_mode = force_custom_plan``
    would do for it alone."""
    if not custom_plan:
        return await connection.fetch(sql, *parameters)
    statement = await connection.prepare(sql)
    return await statement.fetch(*parameters)


def _lost_connection(error: BaseException) -> bool:
    """A connection lost or refused, worth one more try; not a wait for a free connection
    that already took the pool timeout."""
    waited = (asyncio.TimeoutError, sqlalchemy_errors.TimeoutError)
    return isinstance(error, DatabaseUnavailable) and not isinstance(error.__cause__, waited)


def _server_settings(settings: Settings, pool: str) -> dict[str, str]:
    return {
        "statement_timeout": str(round(settings.db_statement_timeout * 1000)),
        "application_name": pool,
    }


def _refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """At checkout, a connection the server has closed (killed, or restarted) is replaced.

    asyncpg learns of the closed socket as soon as the event loop sees it, so this costs no
    round trip (a pre-ping would cost three); SQLAlchemy retries the checkout on a new one.
    """
    if dbapi_connection.driver_connection.is_closed():
        raise sqlalchemy_errors.DisconnectionError("the server closed this connection")


def create_postgresql_engine(url: str, settings: Settings) -> AsyncEngine:
    engine = create_async_engine(
        async_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout,
        # No pre-ping: on asyncpg it is BEGIN, a query and ROLLBACK, three round trips per
        # checkout. A connection found broken is invalidated with the whole pool instead.
        pool_pre_ping=False,
        connect_args={"server_settings": _server_settings(settings, TRANSACTIONS_POOL)},
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


async def _nothing_to_reset(_connection: Any) -> None:
    """A read-pool connection only ever runs autocommit SELECTs: no session state to reset.

    asyncpg's default reset is a round trip on every release."""


class PostgresqlDatabase:
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        # Reads: one statement, one round trip (READ COMMITTED gives each statement its own
        # snapshot inside a transaction too).
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._settings = settings
        self._read_pool: Any = None
        self._read_pool_opening = asyncio.Lock()

    async def read_pool_fetch(
        self, sql: str, parameters: Sequence[Any], custom_plan: bool = False
    ) -> Any:
        """Rows of one SELECT on asyncpg's own pool: the hot reads skip SQLAlchemy's pool,
        whose checkout and check-in run through a greenlet (~0.1 ms per read).

        A second pool of up to ``db_pool_size`` connections, beside the transactions' pool.
        """
        pool = self._read_pool or await self._open_read_pool()
        async with pool.acquire(timeout=self._settings.db_pool_timeout) as connection:
            return await _fetch_on(connection, sql, parameters, custom_plan)

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

    def read(self) -> _PostgresqlRead:
        return _PostgresqlRead(self)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlConnection]:
        # Only connecting, BEGIN and COMMIT are translated here: the block's statements
        # translate their own errors, and any other error of the block is the caller's.
        with translated():
            connection = await self.engine.connect()
            transaction = await connection.begin()
        try:
            try:
                yield _Transaction(connection)
            except BaseException:
                await transaction.rollback()
                raise
            with translated():
                await transaction.commit()
        finally:
            await connection.close()

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        async with self.engine.begin() as connection:
            return await connection.run_sync(work)

    async def dispose(self) -> None:
        if self._read_pool is not None:
            pool, self._read_pool = self._read_pool, None
            await pool.close()
        await self.engine.dispose()
