"""The benchmark's reference routes: what this stack serves with no API machinery in the way.

The benchmark mounts them (altpay never does) in the same process and server as the API, as
the outermost middleware, on a bare FastAPI app of their own: no authentication, no API
middleware, no SQLAlchemy connection or transaction.

- ``GET /_bench/ceiling``: a trivial JSON route (no auth, no database).
- ``GET /_bench/floor/{id}``: one customer by primary key, as ``GET /customers/{id}`` reads
  and answers it, through the fastest raw path of the backend: ``sqlite3`` called inline in
  the async route on SQLite, an asyncpg pool's ``fetchrow`` on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from fastapi import FastAPI
from sqlalchemy import bindparam
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Receive, Scope, Send

from altpay.app import create_served_app
from altpay.core.db import ReadQuery
from altpay.core.db.postgresql import PostgresqlDatabase
from altpay.core.db.sqlite import SqliteDatabase
from altpay.core.errors import NotFound
from altpay.core.http.errors import install_error_handlers
from altpay.core.runtime import Runtime
from altpay.customers.models import customers
from altpay.customers.repository import reply_select
from altpay.customers.schemas import CustomerReply

PREFIX = "/_bench/"

# The floor does the API's own work for one customer, its SQL, row types and reply made by
# altpay's repository and service code, so that the distance to ``get`` is what the API adds.
_FLOOR_QUERY = ReadQuery(reply_select().where(customers.c.id == bindparam("customer_id")))


class _SqliteReader:
    def __init__(self, database: SqliteDatabase, path: str) -> None:
        self._query = _FLOOR_QUERY.compiled(database.engine.dialect)
        self._path = path
        self._connection: sqlite3.Connection | None = None

    async def read(self, customer_id: str) -> CustomerReply | None:
        if self._connection is None:
            self._connection = sqlite3.connect(self._path, check_same_thread=False)
        query = self._query
        raw = self._connection.execute(query.sql, query.parameters({"customer_id": customer_id}))
        rows = query.rows(raw)
        return CustomerReply(**rows[0]._asdict()) if rows else None


async def _no_reset(_connection: Any) -> None:
    """The floor's connections only ever run one read: nothing to reset between them."""


class _PostgresqlReader:
    def __init__(self, database: PostgresqlDatabase, url: str, pool_size: int) -> None:
        self._query = _FLOOR_QUERY.compiled(database.engine.dialect)
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._pool_size = pool_size
        self._pool: Any = None
        self._lock = asyncio.Lock()

    async def _open(self) -> Any:
        import asyncpg  # type: ignore[import-untyped]

        async with self._lock:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=self._pool_size,
                    max_size=self._pool_size,
                    reset=_no_reset,
                )
        return self._pool

    async def read(self, customer_id: str) -> CustomerReply | None:
        pool = self._pool or await self._open()
        query = self._query
        row = await pool.fetchrow(query.sql, *query.parameters({"customer_id": customer_id}))
        return None if row is None else CustomerReply(**query.rows([row])[0]._asdict())


def reference_app(runtime: Runtime) -> FastAPI:
    settings, database = runtime.settings, runtime.database
    reader: _SqliteReader | _PostgresqlReader
    if isinstance(database, SqliteDatabase):
        path = make_url(settings.database_url_or_default()).database
        reader = _SqliteReader(database, path or ":memory:")
    else:
        assert isinstance(database, PostgresqlDatabase)
        url = settings.database_url_or_default()
        reader = _PostgresqlReader(database, url, settings.db_pool_size)

    app = FastAPI(
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        telemetry={"tracing": False, "metrics": False, "logs": False},  # as the API's
    )
    install_error_handlers(app)

    @app.get("/_bench/ceiling")
    async def ceiling() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/_bench/floor/{id}")
    async def floor(id: str) -> CustomerReply:
        reply = await reader.read(id)
        if reply is None:
            raise NotFound("No such customer.")
        return reply

    return app


class ReferenceRoutes:
    """Outermost middleware: ``/_bench/…`` goes to the reference app, the rest to the API."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.reference = reference_app(runtime)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.reference(scope, receive, send)
            return
        await self.app(scope, receive, send)


def with_reference_routes(app: FastAPI) -> FastAPI:
    """The API ``app`` with the reference routes in front of all its middleware."""
    app.add_middleware(ReferenceRoutes, runtime=app.state.runtime)
    return app


def create_app() -> FastAPI:
    """What ``bench.serve`` serves: each worker's ``create_served_app``, the routes in front."""
    return with_reference_routes(create_served_app())
