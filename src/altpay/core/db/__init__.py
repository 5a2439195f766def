"""The database: SQLite embedded or PostgreSQL, behind one interface (``protocol``).

``open_database`` picks the backend from the URL; both raise the one family of
``errors``. Modules by job: ``protocol`` (what repositories see), ``read_query`` (the hot
reads' compiled statements), ``sqlite`` and ``postgresql`` (the two backends).
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import make_url

from altpay.core import metrics
from altpay.core.db.errors import (
    DatabaseError,
    DatabaseUnavailable,
    StatementTimeout,
    UniqueViolation,
)
from altpay.core.db.postgresql import PostgresqlDatabase, create_postgresql_engine
from altpay.core.db.protocol import Database, Read, SqlConnection, reading
from altpay.core.db.read_query import ReadQuery
from altpay.core.db.sqlite import SqliteDatabase
from altpay.core.settings import Settings

__all__ = [
    "Database",
    "DatabaseError",
    "DatabaseUnavailable",
    "Read",
    "ReadQuery",
    "SqlConnection",
    "StatementTimeout",
    "UniqueViolation",
    "open_database",
    "reading",
]


def open_database(settings: Settings) -> Database:
    url = settings.database_url_or_default()
    if make_url(url).get_backend_name() == "sqlite":
        database: SqliteDatabase | PostgresqlDatabase = SqliteDatabase(url, settings)
        pool_owner = database.engine
    else:
        database = PostgresqlDatabase(create_postgresql_engine(url, settings), settings)
        pool_owner = database.engine.sync_engine
    event.listen(pool_owner, "checkout", _count_checkout)
    event.listen(pool_owner, "checkin", _count_checkin)
    return database


def _count_checkout(*_: object) -> None:
    metrics.DB_POOL_IN_USE.inc()


def _count_checkin(*_: object) -> None:
    metrics.DB_POOL_IN_USE.dec()
