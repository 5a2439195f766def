"""SIGTERM while requests are in flight: they finish, new connections are refused, exit 0.

The requests are slow for real: another PostgreSQL connection holds the row lock of a
customer (``SELECT … FOR UPDATE`` in an open transaction), so every ``PATCH`` of that
customer waits inside the server, in its transaction, on the lock. The test sends SIGTERM
while they wait and checks that the server no longer accepts connections; then it releases
the lock — every accepted request must complete with 200 and the process must exit 0
within ``ALTPAY_SHUTDOWN_GRACE`` — or keeps it past the grace, which bounds the wait: each
request still running then gets a 503 ``unavailable`` with ``Retry-After``, rolled back.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.errors import assert_http_error
from tests.support.server import TIMEOUT, Server, bearer, server_env, serving
from tests.support.tenants import provision

IN_FLIGHT = 10
PATIENT_GRACE = 10  # long enough for the blocked requests
HASTY_GRACE = 2  # shorter than the lock is held


@dataclass
class Blocked:
    """PATCHes of one customer, waiting on its row lock inside the server."""

    patches: list[asyncio.Task[httpx.Response]]
    release: Callable[[], Awaitable[None]]


def _server(tmp_path: Path, postgres_url: str, grace: int) -> Any:
    env = server_env(
        tmp_path / "server",
        postgres_url,
        ALTPAY_SHUTDOWN_GRACE=str(grace),
        ALTPAY_DB_POOL_SIZE=str(IN_FLIGHT + 5),
    )
    return serving(env, workers=1)


@pytest.fixture
def patient_server(tmp_path: Path, postgres_url: str) -> Iterator[Server]:
    with _server(tmp_path, postgres_url, grace=PATIENT_GRACE) as (started,):
        yield started


@pytest.fixture
def hasty_server(tmp_path: Path, postgres_url: str) -> Iterator[Server]:
    with _server(tmp_path, postgres_url, grace=HASTY_GRACE) as (started,):
        yield started


async def _until(condition: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:  # refused (or, on a loaded machine, not even answered)
        return True


def _customer(server: Server) -> tuple[dict[str, str], str]:
    """A token's headers, and a new customer of its account."""
    (client,) = provision(server.database_url)
    headers = bearer(server, client)
    created = httpx.post(
        f"{server.base_url}/customers",
        json={"name": "Slow Co", "email": "slow@graceful.example"},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    return headers, created.json()["id"]


@asynccontextmanager
async def _blocked_patches(
    server: Server, headers: dict[str, str], customer_id: str
) -> AsyncIterator[Blocked]:
    """IN_FLIGHT PATCHes of the customer, each blocked in the server on its row lock."""
    locker = await asyncpg.connect(server.database_url, timeout=5)
    watcher = await asyncpg.connect(server.database_url, timeout=5)
    lock = locker.transaction()
    released = False

    async def release() -> None:
        nonlocal released
        if not released:
            released = True
            await lock.rollback()

    async def all_waiting() -> bool:
        waiting = await watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(waiting == IN_FLIGHT)

    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=0)
    try:
        await lock.start()
        await locker.execute("SELECT id FROM customers WHERE id = $1 FOR UPDATE", customer_id)
        async with httpx.AsyncClient(
            base_url=server.base_url, headers=headers, limits=limits, timeout=TIMEOUT
        ) as api:
            patches = [
                asyncio.create_task(
                    api.patch(f"/customers/{customer_id}", json={"city": f"Graceful {number}"})
                )
                for number in range(IN_FLIGHT)
            ]
            try:
                await _until(all_waiting, 15, "every PATCH to wait on the row lock")
                yield Blocked(patches, release)
            finally:
                await release()
                await asyncio.wait(patches, timeout=TIMEOUT.read)
    finally:
        await locker.close()
        await watcher.close()


async def _terminate(server: Server) -> float:
    """SIGTERM; returns when the server refuses new connections, with the time it was sent."""
    assert not _refuses_connections(server.port)
    server.process.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    await _until(lambda: asyncio.to_thread(_refuses_connections, server.port), 5, "a refusal")
    return sent


async def _city(server: Server, customer_id: str) -> str | None:
    connection = await asyncpg.connect(server.database_url, timeout=5)
    try:
        city: str | None = await connection.fetchval(
            "SELECT city FROM customers WHERE id = $1", customer_id
        )
        return city
    finally:
        await connection.close()


def test_sigterm_lets_every_accepted_request_finish(patient_server: Server) -> None:
    server, grace = patient_server, PATIENT_GRACE

    headers, customer_id = _customer(server)

    async def scenario() -> tuple[list[httpx.Response], float]:
        async with _blocked_patches(server, headers, customer_id) as blocked:
            sent = await _terminate(server)
            # Shutting down, yet waiting for the blocked requests: none has been answered.
            await asyncio.sleep(0.5)
            assert server.process.poll() is None
            assert not any(patch.done() for patch in blocked.patches)

            await blocked.release()
            replies = await asyncio.gather(*blocked.patches)
        returncode = await asyncio.to_thread(server.process.wait, grace)
        assert returncode == 0, server.stderr()
        return replies, time.monotonic() - sent

    replies, shutdown_seconds = asyncio.run(scenario())

    assert [reply.status_code for reply in replies] == [200] * IN_FLIGHT, [
        reply.text for reply in replies
    ]
    assert {reply.json()["city"] for reply in replies} == {
        f"Graceful {number}" for number in range(IN_FLIGHT)
    }
    assert shutdown_seconds < grace
    log = server.stderr()
    assert "Traceback" not in log, log


def test_the_grace_bounds_how_long_a_stop_waits(hasty_server: Server) -> None:
    server, grace = hasty_server, HASTY_GRACE

    headers, customer_id = _customer(server)

    async def scenario() -> tuple[float, str | None]:
        async with _blocked_patches(server, headers, customer_id) as blocked:
            sent = await _terminate(server)
            # The lock is held past the grace: the server gives up on the blocked requests.
            returncode = await asyncio.to_thread(server.process.wait, grace + 10)
            stopped_after = time.monotonic() - sent
            assert returncode == 0, server.stderr()
            outcomes = await asyncio.gather(*blocked.patches, return_exceptions=True)
            # A request abandoned at the end of the grace is cancelled: it gets a 503
            # HttpError to retry (never uvicorn's plain-text 500, nor a dropped socket).
            for outcome in outcomes:
                assert isinstance(outcome, httpx.Response), repr(outcome)
                assert_http_error(outcome, 503, "unavailable")
                assert outcome.headers["retry-after"] == "1"
        return stopped_after, await _city(server, customer_id)

    stopped_after, city = asyncio.run(scenario())

    assert grace <= stopped_after < grace + 5
    # The abandoned PATCHes were rolled back: none of them is applied.
    assert not (city or "").startswith("Graceful"), city
    assert "timeout graceful shutdown exceeded" in server.stderr()
