"""Tenants past their time to live, deleted with all their data by a loop beside the server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from altpay.core.db import Database, reading
from altpay.core.timestamps import utc_now
from altpay.sandbox import repository, service

logger = logging.getLogger("altpay.sandbox")

# Seconds between two looks for expired tenants: one indexed read when there are none.
SWEEP_INTERVAL = 1.0


async def delete_expired(database: Database) -> list[str]:
    """Deletes the tenants whose time is over; their account ids."""
    now = utc_now()
    async with reading(database) as connection:
        if not await repository.expired_accounts(connection, now):
            return []
    async with database.transaction() as connection:
        deleted = await service.delete_expired_tenants(connection, now)
    for account_id in deleted:
        logger.info("sandbox tenant expired and deleted", extra={"account_id": account_id})
    return deleted


async def _sweep(database: Database) -> None:
    failing = False
    while True:
        try:
            await delete_expired(database)
        except Exception as error:
            # The database away (or not migrated yet): said once, tried again each interval.
            if not failing:
                logger.warning("deleting expired sandbox tenants failed, retrying: %s", error)
            failing = True
        else:
            failing = False
        await asyncio.sleep(SWEEP_INTERVAL)


@contextlib.asynccontextmanager
async def expiring_tenants(database: Database) -> AsyncIterator[None]:
    task = asyncio.create_task(_sweep(database))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
