"""What routes of every domain share: the read, the write transaction, the cursor codec."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Annotated

from fastapi import Depends, Request

from altpay.core.db import SqlConnection
from altpay.core.pagination import CursorCodec
from altpay.runtime import runtime_of


def reading(request: Request) -> AbstractAsyncContextManager[SqlConnection]:
    """A read, which the route opens itself: ``async with reading(request) as connection``.

    Not a dependency, unlike the write transaction: FastAPI runs a generator dependency
    through an exit stack, which cost ~55 µs of a ~420 µs ``GET /customers/{id}``
    (docs/performance.md). A read has nothing to commit, so nothing is lost by closing it
    when the route's block ends.
    """
    return runtime_of(request).database.transaction(write=False)


async def _write_transaction(request: Request) -> AsyncIterator[SqlConnection]:
    async with runtime_of(request).database.transaction(write=True) as connection:
        yield connection


# async, though it never waits: FastAPI runs a plain ``def`` dependency on a worker
# thread, a thread hop per request (docs/performance.md).
async def _cursor_codec(request: Request) -> CursorCodec:
    return runtime_of(request).cursors


# scope="function": the transaction commits when the route returns, before the response is
# sent, so a failed commit becomes an error response and never a 2xx for unstored data.
WriteConnection = Annotated[SqlConnection, Depends(_write_transaction, scope="function")]
Cursors = Annotated[CursorCodec, Depends(_cursor_codec)]
