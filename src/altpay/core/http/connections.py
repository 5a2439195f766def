"""A route's way to the database: ``ReadConnection`` or ``WriteConnection``, nothing else.

A read holds no connection until a statement runs, and is closed by ``RequestMiddleware``
when the request ends, so the read dependency is a plain coroutine: a generator dependency
runs through an exit stack, ~55 µs of a ~420 µs ``GET /customers/{id}``
(docs/performance.md). A write is a transaction that must end before the response starts
(below), so it is a generator dependency.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from altpay.core.db import Database, Read, SqlConnection

if TYPE_CHECKING:  # the runtime holds the pagination codec, whose dependency needs this
    from altpay.core.runtime import Runtime

_OPEN_READS = "altpay.open_reads"
logger = logging.getLogger("altpay")


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def database_of(request: Request) -> Database:
    """The database itself, for the rare unit of work that must commit on its own before
    the route's (an Idempotency-Key claim, which concurrent requests must see at once)."""
    return runtime_of(request).database


async def _read(request: Request) -> Read:
    read = database_of(request).read()
    request.scope["state"].setdefault(_OPEN_READS, []).append(read)
    return read


async def close_reads(state: dict[str, object]) -> None:
    """Closes what ``ReadConnection`` opened for a request (by ``RequestMiddleware``)."""
    reads = state.pop(_OPEN_READS, None)
    if isinstance(reads, list):
        for read in reads:
            try:
                await read.close()
            except Exception:  # the next read is closed all the same; the pool drops this one
                logger.exception("closing a read failed")


async def _write_transaction(request: Request) -> AsyncIterator[SqlConnection]:
    async with database_of(request).transaction() as connection:
        yield connection


ReadConnection = Annotated[SqlConnection, Depends(_read)]
# scope="function": the transaction commits when the route returns, before the response is
# sent, so a failed commit becomes an error response and never a 2xx for unstored data.
WriteConnection = Annotated[SqlConnection, Depends(_write_transaction, scope="function")]
