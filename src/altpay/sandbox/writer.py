"""The request log's writer: the requests the middleware hands over, written in batches by
one task beside the server, so that no answer waits on the log (nor on SQLite's write lock,
which another process may hold while reads go on being answered)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from altpay.core.db import Database
from altpay.sandbox import service

logger = logging.getLogger("altpay.sandbox")

# Requests held while the database cannot take them; past this, new ones are not logged.
MAX_PENDING = 10_000


class RequestLogWriter:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._pending: list[service.Exchange] = []
        self._arrived = asyncio.Event()
        self._written = asyncio.Event()
        self._written.set()
        self._dropping = False

    def record(self, exchange: service.Exchange) -> None:
        """Queues one answered request (it never waits)."""
        if len(self._pending) >= MAX_PENDING:
            if not self._dropping:
                logger.warning("the request log is behind; requests are not logged meanwhile")
            self._dropping = True
            return
        self._pending.append(exchange)
        self._written.clear()
        self._arrived.set()

    async def caught_up(self, timeout: float) -> None:
        """Waits (at most ``timeout`` seconds) until every request queued so far is written:
        a client that reads its log finds its last requests there."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._written.wait(), timeout)

    async def _write_pending(self) -> None:
        batch, self._pending = self._pending, []
        try:
            await service.log_requests(self._database, batch)
            self._dropping = False
        except Exception as error:  # the database away: these requests go unlogged
            logger.warning("writing the request log failed: %s", error)
        if not self._pending:
            self._written.set()

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            await self._write_pending()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self._run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if self._pending:  # what was answered before the stop
                await self._write_pending()
