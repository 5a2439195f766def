"""The delivery loop: claims due events, posts each to its endpoint URL, records the attempt.

Run by ``altpay worker`` (any number, coordinated through the database) and, in development,
inside ``altpay serve``. At least once: an event whose worker dies before recording its
attempt is claimed again once the claim lapses. A 2xx within the timeout is delivered; any
other answer, a timeout or a refused endpoint is retried with exponential back-off and
jitter until the retry window has passed, then the event is failed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from altpay.core.db import Database, DatabaseError
from altpay.core.settings import Settings
from altpay.core.timestamps import utc_now
from altpay.webhooks import metrics, queue
from altpay.webhooks.endpoints import RefusedEndpoint, check_endpoint
from altpay.webhooks.models import DELIVERED, FAILED
from altpay.webhooks.queue import ClaimedEvent
from altpay.webhooks.signing import delivery_headers

logger = logging.getLogger("altpay.webhooks")

LONGEST_RETRY_GAP = 3600.0
IDLE_POLL = 0.25
# A receiver's answer is read this far, for its status; a longer body is not kept.
RESPONSE_READ_LIMIT = 64 * 1024


def retry_delay(attempts: int, first: float) -> float:
    """Seconds before the retry after ``attempts`` failed attempts: doubling from ``first`` up
    to an hour, with equal jitter (half fixed, half random) so that retries spread out."""
    gap: float = min(first * 2.0 ** (attempts - 1), LONGEST_RETRY_GAP)
    return gap / 2 + random.uniform(0, gap / 2)


@dataclass(frozen=True, slots=True)
class Attempt:
    status: int | None  # the receiver's HTTP status; None when none came
    error: str | None
    seconds: float

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _worker_name() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


class Deliverer:
    """One process's delivery loop, ``concurrency`` deliveries in flight at most."""

    def __init__(self, database: Database, settings: Settings, *, concurrency: int = 8) -> None:
        self._database = database
        self._settings = settings
        self._concurrency = concurrency
        self._worker = _worker_name()
        # A claim outlives the slowest delivery it covers, with room for recording it.
        self._claim_for = timedelta(seconds=2 * settings.webhook_timeout + 5)

    async def run(self, stop: asyncio.Event) -> None:
        """Delivers until ``stop`` is set; the round in flight finishes, claims are released."""
        limits = httpx.Limits(max_connections=self._concurrency)
        async with httpx.AsyncClient(
            timeout=self._settings.webhook_timeout, follow_redirects=False, limits=limits
        ) as client:
            try:
                while not stop.is_set():
                    try:
                        busy = await self.deliver_due(client)
                    except DatabaseError as error:
                        logger.warning("webhook delivery round failed: %s", error)
                        busy = False
                    except Exception:
                        # A fault of one round must not end deliveries for the process.
                        logger.exception("webhook delivery round failed")
                        busy = False
                    if not busy:
                        with suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), IDLE_POLL)
            finally:
                await self._let_go()

    async def deliver_due(self, client: httpx.AsyncClient) -> bool:
        """One round: claims what is due (up to the concurrency) and delivers it; whether
        anything was."""
        claimed = await self._claim()
        await asyncio.gather(*(self._deliver(client, event) for event in claimed))
        return bool(claimed)

    async def _claim(self) -> list[ClaimedEvent]:
        now = utc_now()
        async with self._database.transaction() as connection:
            if self._settings.uses_sqlite and not await queue.hold_lease(
                connection, queue.DELIVERY_LEASE, self._worker, now, now + self._claim_for
            ):
                return []
            claimed = await queue.claim(
                connection, self._worker, now, now + self._claim_for, self._concurrency
            )
            metrics.EVENTS_PENDING.set(await queue.pending_count(connection))
        return claimed

    async def _deliver(self, client: httpx.AsyncClient, event: ClaimedEvent) -> None:
        attempt = await self._post(client, event)
        now = utc_now()
        values = self._outcome(event, attempt, now)
        async with self._database.transaction() as connection:
            recorded = await queue.record_attempt(connection, self._worker, event.id, values)
        if recorded:
            self._count(event, values.get("status"), now)
        _log_attempt(event, attempt, values, recorded=recorded)

    async def _post(self, client: httpx.AsyncClient, event: ClaimedEvent) -> Attempt:
        started = time.perf_counter()
        try:
            # Checked again at each delivery: DNS may have turned since the subscription.
            await check_endpoint(event.endpoint_url, env=self._settings.env)
            headers = delivery_headers(event.secret_key, event.id, utc_now(), event.payload)
            async with asyncio.timeout(self._settings.webhook_timeout):
                status = await _send(client, event.endpoint_url, event.payload, headers)
        except RefusedEndpoint as error:
            return Attempt(None, f"refused endpoint: {error}", time.perf_counter() - started)
        except (httpx.HTTPError, TimeoutError, OSError) as error:
            reason = type(error).__name__ if isinstance(error, TimeoutError) else repr(error)
            return Attempt(None, reason[:200], time.perf_counter() - started)
        return Attempt(status, None, time.perf_counter() - started)

    def _outcome(self, event: ClaimedEvent, attempt: Attempt, now: datetime) -> dict[str, Any]:
        values: dict[str, Any] = {
            "last_attempt_at": now,
            "last_response_status": attempt.status,
            "updated_at": now,
        }
        if attempt.delivered:
            return {**values, "status": DELIVERED, "next_attempt_at": None}
        window = timedelta(seconds=self._settings.webhook_retry_window)
        if now - event.created_at >= window:
            return {**values, "status": FAILED, "next_attempt_at": None}
        delay = retry_delay(event.attempts + 1, self._settings.webhook_first_retry)
        return {**values, "next_attempt_at": now + timedelta(seconds=delay)}

    @staticmethod
    def _count(event: ClaimedEvent, status: str | None, now: datetime) -> None:
        if status == DELIVERED:
            metrics.EVENTS_DELIVERED.inc()
            metrics.DELIVERY_LATENCY.observe((now - event.created_at).total_seconds())
        elif status == FAILED:
            metrics.EVENTS_FAILED.inc()
        metrics.ATTEMPTS.labels(status or "retry").inc()

    async def _let_go(self) -> None:
        """Releases this worker's claims (and SQLite's lease): another may deliver at once."""
        try:
            async with self._database.transaction() as connection:
                await queue.release(connection, self._worker)
                if self._settings.uses_sqlite:
                    await queue.drop_lease(connection, queue.DELIVERY_LEASE, self._worker)
        except DatabaseError as error:
            logger.warning("releasing webhook claims failed (they lapse): %s", error)


async def _send(client: httpx.AsyncClient, url: str, body: str, headers: dict[str, str]) -> int:
    """Posts ``body``; the receiver's status. Its answer is read only up to a limit, so that a
    huge one costs nothing (the connection is then closed instead of kept)."""
    async with client.stream("POST", url, content=body, headers=headers) as response:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > RESPONSE_READ_LIMIT:
                break
        return response.status_code


def _log_attempt(
    event: ClaimedEvent, attempt: Attempt, values: dict[str, Any], *, recorded: bool
) -> None:
    """One line per attempt: never the secret, the payload, or the URL's path and query."""
    next_attempt = values.get("next_attempt_at")
    logger.info(
        "webhook delivery attempt",
        extra={
            "event_id": event.id,
            "subscription_id": event.subscription_id,
            "topic": event.topic,
            "endpoint_host": urlsplit(event.endpoint_url).hostname,
            "attempt": event.attempts + 1,
            "outcome": values.get("status", "retry"),
            "response_status": attempt.status,
            "error": attempt.error,
            "duration_ms": round(attempt.seconds * 1000, 1),
            "next_attempt_at": next_attempt.isoformat() if next_attempt else None,
            "recorded": recorded,
        },
    )


@asynccontextmanager
async def delivering(database: Database, settings: Settings) -> AsyncIterator[None]:
    """The delivery loop in the background for the block (``altpay serve`` in development)."""
    stop = asyncio.Event()
    task = asyncio.create_task(Deliverer(database, settings).run(stop))
    try:
        yield
    finally:
        stop.set()
        await task
