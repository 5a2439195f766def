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
# Seconds a stopping server gives the writer to write what it was handed.
STOP_SECONDS = 5.0


class RequestLogWriter:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._pending: list[service.Exchange] = []
        # Requests are numbered as they are handed over; a reader waits for its number.
        self._recorded = 0
        self._written = 0
        self._progress = asyncio.Condition()
        self._arrived = asyncio.Event()
        self._stopping = False
        self._dropping = False

    def record(self, exchange: service.Exchange) -> None:
        """Queues one answered request (it never waits)."""
        if len(self._pending) >= MAX_PENDING:
            if not self._dropping:
                logger.warning("the request log is behind; requests are not logged meanwhile")
            self._dropping = True
            return
        self._pending.append(exchange)
        self._recorded += 1
        self._arrived.set()

    async def caught_up(self, timeout: float) -> None:
        """Waits (at most ``timeout`` seconds) until every request handed over so far is
        written, whatever arrives meanwhile: a client that reads its log finds its last
        requests there."""
        target = self._recorded
        async with self._progress:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._progress.wait_for(lambda: self._written >= target), timeout
                )

    async def _write_pending(self) -> None:
        batch, self._pending = self._pending, []
        last = self._recorded
        try:
            await service.log_requests(self._database, batch)
            self._dropping = False
        except Exception as error:  # the database away: these requests go unlogged
            logger.warning("writing the request log failed: %s", error)
        async with self._progress:
            self._written = last
            self._progress.notify_all()

    async def _run(self) -> None:
        while not self._stopping:
            await self._arrived.wait()
            self._arrived.clear()
            await self._write_pending()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self._run())
        try:
            yield
        finally:
            # What was answered before the stop is written (within STOP_SECONDS).
            self._stopping = True
            self._arrived.set()
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(task, STOP_SECONDS)
            if self._pending:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._write_pending(), STOP_SECONDS)
