"""The benchmark's reference routes: what this stack serves with no altpay code in the way.

Mounted only when ``ALTPAY_BENCHMARK_ROUTES=true`` (``bench/run.py`` sets it), by the same
``altpay serve`` process and server as the API, on a bare FastAPI app of their own that sits
in front of the API's middleware: no authentication, no middleware, no SQLAlchemy.

- ``GET /_bench/ceiling``: a trivial JSON route (no auth, no database).
- ``GET /_bench/floor/{id}``: one customer by primary key, returned as the API's own
  ``CustomerReply``, read by the fastest raw path of the backend: ``sqlite3`` called inline
  in the async route on SQLite, an asyncpg pool's ``fetchrow`` on PostgreSQL. It reads the
  same columns as ``GET /customers/{id}`` (the default payment method included), so that
  the API's distance to it is what altpay itself adds.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Receive, Scope, Send

from altpay.core.errors import NotFound
from altpay.core.http.errors import install_error_handlers
from altpay.core.settings import Settings
from altpay.core.timestamps import format_timestamp
from altpay.customers.schemas import CustomerReply

PREFIX = "/_bench/"

_COLUMNS = (
    "id, name, legal_name, email, ein, external_id, street_address, sub_premise, city, "
    "state, postal_code, country, created_at, archived_at, "
    "(SELECT pm.id FROM payment_methods pm WHERE pm.customer_id = customers.id "
    "AND pm.is_default LIMIT 1)"
)
_SQLITE_QUERY = f"SELECT {_COLUMNS} FROM customers WHERE id = ?"
_POSTGRESQL_QUERY = f"SELECT {_COLUMNS} FROM customers WHERE id = $1"


def _sqlite_timestamp(value: str | None) -> str:
    # SQLAlchemy stores "YYYY-MM-DD HH:MM:SS.ffffff" (naive UTC) on SQLite.
    return f"{value.replace(' ', 'T')}Z" if value else ""


def _reply(row: Any, created_at: str, archived_at: str) -> CustomerReply:
    return CustomerReply(
        id=row[0],
        name=row[1],
        legal_name=row[2],
        email=row[3],
        ein=row[4],
        external_id=row[5] or "",
        street_address=row[6],
        sub_premise=row[7],
        city=row[8],
        state=row[9],
        postal_code=row[10],
        country=row[11],
        created_at=created_at,
        customer_integration_id="",
        default_payment_method_id=row[14] or "",
        archived_at=archived_at,
    )


class _SqliteReader:
    def __init__(self, path: str) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None

    async def read(self, customer_id: str) -> CustomerReply | None:
        if self._connection is None:
            self._connection = sqlite3.connect(self._path, check_same_thread=False)
        row = self._connection.execute(_SQLITE_QUERY, (customer_id,)).fetchone()
        if row is None:
            return None
        return _reply(row, _sqlite_timestamp(row[12]), _sqlite_timestamp(row[13]))


async def _no_reset(_connection: Any) -> None:
    """The floor's connections only ever run one read: nothing to reset between them."""


class _PostgresqlReader:
    def __init__(self, url: str, pool_size: int) -> None:
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
        row = await pool.fetchrow(_POSTGRESQL_QUERY, customer_id)
        if row is None:
            return None
        archived_at = format_timestamp(row[13]) if row[13] is not None else ""
        return _reply(row, format_timestamp(row[12]), archived_at)


def benchmark_app(settings: Settings) -> FastAPI:
    url = settings.database_url_or_default()
    parsed = make_url(url)
    reader: _SqliteReader | _PostgresqlReader
    if parsed.get_backend_name() == "sqlite":
        reader = _SqliteReader(parsed.database or ":memory:")
    else:
        reader = _PostgresqlReader(url, settings.db_pool_size)

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


class BenchmarkRoutes:
    """Outermost middleware: ``/_bench/…`` goes to the bare benchmark app, the rest to the API."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.benchmark = benchmark_app(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.benchmark(scope, receive, send)
            return
        await self.app(scope, receive, send)
