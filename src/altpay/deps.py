"""Per-request dependencies shared by every domain: the transaction and the cursor codec."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from altpay.core.db import SqlConnection
from altpay.core.pagination import CursorCodec
from altpay.runtime import runtime_of


async def _read_transaction(request: Request) -> AsyncIterator[SqlConnection]:
    async with runtime_of(request).database.transaction(write=False) as connection:
        yield connection


async def _write_transaction(request: Request) -> AsyncIterator[SqlConnection]:
    async with runtime_of(request).database.transaction(write=True) as connection:
        yield connection


# async, though it never waits: FastAPI runs a plain ``def`` dependency on a worker
# thread, a thread hop per request (docs/performance.md).
async def _cursor_codec(request: Request) -> CursorCodec:
    return runtime_of(request).cursors


# scope="function": the transaction commits when the route returns, before the response is
# sent, so a failed commit becomes an error response and never a 2xx for unstored data.
ReadConnection = Annotated[SqlConnection, Depends(_read_transaction, scope="function")]
WriteConnection = Annotated[SqlConnection, Depends(_write_transaction, scope="function")]
Cursors = Annotated[CursorCodec, Depends(_cursor_codec)]
