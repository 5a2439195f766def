"""One family of database errors, whatever the backend and whichever path ran the statement.

Reads run on the drivers (sqlite3, asyncpg) and writes through SQLAlchemy, so the same fault
arrives as different exceptions; ``translated`` turns each into one of these, so that the
layers above never name a driver.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sqlalchemy_errors
from sqlalchemy.schema import ColumnCollectionConstraint

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>.+)")
# PostgreSQL SQLSTATE classes and codes (Appendix A of its manual).
_PG_UNIQUE_VIOLATION = "23505"
_PG_QUERY_CANCELED = "57014"
# Connection exceptions, insufficient resources, operator intervention; and a database or a
# role that does not exist (misconfigured, or not created yet): no statement can run.
_PG_CONNECTION_CLASSES = ("08", "53", "57P", "3D", "28")


_DATABASE_FAULTS = (
    sqlalchemy_errors.DBAPIError,
    sqlalchemy_errors.TimeoutError,  # no pooled connection free in time
    sqlalchemy_errors.DisconnectionError,
    sqlite3.Error,
    OSError,
    asyncio.TimeoutError,
)


class DatabaseError(Exception):
    """A statement failed in the database."""


class DatabaseUnavailable(DatabaseError):
    """No connection could be had or kept: refused, lost, or none free in time."""


class StatementTimeout(DatabaseError):
    """The statement ran past the statement timeout and was cancelled."""


class UniqueViolation(DatabaseError):
    """A row would repeat a unique key; which one, as the backend names it."""

    def __init__(self, message: str, *, constraint: str | None, columns: frozenset[str]) -> None:
        super().__init__(message)
        self.constraint = constraint  # PostgreSQL names the constraint
        self.columns = columns  # SQLite names its columns, as "table.column"

    def violates(self, constraint: ColumnCollectionConstraint) -> bool:
        """Whether ``constraint`` (a primary key or unique constraint) is the one violated."""
        if self.constraint is not None:
            return self.constraint == constraint.name
        table = constraint.table.name
        return self.columns == frozenset(f"{table}.{column.name}" for column in constraint.columns)


@contextmanager
def translated() -> Iterator[None]:
    """Runs the block with every driver or SQLAlchemy error raised as a ``DatabaseError``."""
    try:
        yield
    except Exception as error:
        raise as_database_error(error)  # noqa: B904 (its cause is set)


def as_database_error(error: Exception) -> Exception:
    """``error`` as a ``DatabaseError`` (its cause), or itself when it is not the database's.

    For ``raise as_database_error(error)`` in an ``except`` of the hot paths, where a
    ``with`` block would cost more than the statement's own Python work.
    """
    if isinstance(error, DatabaseError) or not _from_database(error):
        return error
    translated_error = _translate(error)
    translated_error.__cause__ = error
    return translated_error


def _from_database(error: Exception) -> bool:
    # Not every SQLAlchemyError: one that is no fault of the database (a statement that
    # cannot compile) is a bug, and stays what it is.
    return isinstance(error, _DATABASE_FAULTS) or _is_asyncpg_error(error)


def _translate(error: BaseException) -> DatabaseError:
    if isinstance(error, sqlalchemy_errors.TimeoutError | sqlalchemy_errors.DisconnectionError):
        return DatabaseUnavailable(str(error))
    if isinstance(error, asyncio.TimeoutError | OSError):
        return DatabaseUnavailable(str(error) or type(error).__name__)
    if isinstance(error, sqlalchemy_errors.DBAPIError) and error.connection_invalidated:
        return DatabaseUnavailable(str(error.orig))
    driver = _driver_error(error)
    if isinstance(driver, sqlite3.IntegrityError):
        match = _SQLITE_UNIQUE.match(str(driver))
        if match is not None:
            columns = frozenset(column.strip() for column in match["columns"].split(","))
            return UniqueViolation(str(driver), constraint=None, columns=columns)
    sqlstate = getattr(driver, "sqlstate", None)
    if sqlstate == _PG_UNIQUE_VIOLATION:
        constraint = getattr(driver, "constraint_name", None)
        return UniqueViolation(str(driver), constraint=constraint, columns=frozenset())
    if sqlstate == _PG_QUERY_CANCELED:
        return StatementTimeout(str(driver))
    if isinstance(sqlstate, str) and sqlstate.startswith(_PG_CONNECTION_CLASSES):
        return DatabaseUnavailable(str(driver))
    if _is_asyncpg_error(driver) and not hasattr(driver, "sqlstate"):
        return DatabaseUnavailable(str(driver))  # the connection itself failed
    return DatabaseError(str(driver))


def _driver_error(error: BaseException) -> BaseException:
    """The driver's own exception behind SQLAlchemy's wrappers (asyncpg's behind two)."""
    if isinstance(error, sqlalchemy_errors.DBAPIError) and error.orig is not None:
        error = error.orig
    cause = error.__cause__
    if cause is not None and _is_asyncpg_error(cause):
        return cause
    return error


def _is_asyncpg_error(error: BaseException) -> bool:
    return type(error).__module__.startswith("asyncpg")
