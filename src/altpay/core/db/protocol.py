"""What the layers above see of a database: a connection, a read, a transaction.

Two kinds of unit of work. A *read* runs each statement as its own snapshot (autocommit, as
under PostgreSQL's READ COMMITTED anyway) and holds no connection until a statement needs
one. A *transaction* is a write: committed when its block ends, rolled back on an error.
Both raise only ``altpay.core.db.errors.DatabaseError`` for faults of the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql import Executable

from altpay.core.db.read_query import ReadQuery

T = TypeVar("T")
# Parameters for one statement run once per row (an executemany): compiled once, not per row.
Rows = Sequence[Mapping[str, Any]]


class SqlConnection(Protocol):
    """What repositories use: execute a statement, fetch one scalar, or run a ReadQuery."""

    @property
    def backend(self) -> str:
        """ "sqlite" or "postgresql": for an index only one of them has."""
        ...

    async def execute(
        self, statement: Executable, parameters: Rows | None = None
    ) -> CursorResult[Any]: ...

    async def scalar(self, statement: Executable) -> Any: ...

    async def fetch(self, query: ReadQuery, values: Mapping[str, Any]) -> list[Any]:
        """The rows of ``query`` with these parameter values (attribute access by column)."""
        ...


class Read(SqlConnection, Protocol):
    """A read: lazy (no connection until a statement runs), closed by whoever opened it."""

    async def close(self) -> None: ...


class Database(Protocol):
    def read(self) -> Read: ...

    def transaction(self) -> AbstractAsyncContextManager[SqlConnection]:
        """A write transaction: committed when the block ends, rolled back on an error."""
        ...

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        """Runs ``work`` with a plain SQLAlchemy connection in a transaction (migrations)."""
        ...

    async def dispose(self) -> None: ...


@asynccontextmanager
async def reading(database: Database) -> AsyncIterator[SqlConnection]:
    """A read for the block, outside a request (a request gets one from its dependency)."""
    read = database.read()
    try:
        yield read
    finally:
        await read.close()
