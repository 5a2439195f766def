"""SQLite: another process holds the write lock. The worker's event loop stays free: its
reads answer in normal time meanwhile, and the waiting write succeeds once the lock is
released, or is a 503 ``unavailable`` past ``ALTPAY_SQLITE_BUSY_TIMEOUT``.

The other process is this test's: ``BEGIN IMMEDIATE`` on the server's database file.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.errors import assert_http_error
from tests.support.server import Server, bearer, server_env, serving
from tests.support.sqlite import sqlite_database
from tests.support.tenants import provision

HOLD_SECONDS = 5.0
SHORT_BUSY_TIMEOUT = 1.0
NORMAL_READ_SECONDS = 0.5  # a read that waited for the lock would take HOLD_SECONDS


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    """The database's write lock, held by this (another) process for the block."""
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=5)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("COMMIT")
    finally:
        holder.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    patient = server_env(tmp_path / "patient", sqlite_database(tmp_path / "patient-db"))
    hasty = server_env(
        tmp_path / "hasty",
        sqlite_database(tmp_path / "hasty-db"),
        ALTPAY_SQLITE_BUSY_TIMEOUT=str(SHORT_BUSY_TIMEOUT),
    )
    with serving(patient, hasty) as (first, second):
        yield first, second


def _create(api: httpx.Client, name: str) -> httpx.Response:
    return api.post("/customers", json={"name": name, "email": f"{name}@lock.example"})


@pytest.mark.timeout(60)
def test_a_write_waiting_for_another_process_leaves_reads_answering(
    servers: tuple[Server, Server],
) -> None:
    server, hasty = servers
    (client,) = provision(server.database_url)
    (hasty_client,) = provision(hasty.database_url)
    headers, hasty_headers = bearer(server, client), bearer(hasty, hasty_client)
    with server.client(headers=headers) as api:
        existing = _create(api, "before")
        assert existing.status_code == 201, existing.text
        path = f"/customers/{existing.json()['id']}"

        async def while_locked() -> tuple[httpx.Response, float, list[float]]:
            async with httpx.AsyncClient(
                base_url=server.base_url, headers=headers, timeout=20
            ) as client:
                with write_lock_held(server.database_url):
                    started = time.monotonic()
                    write = asyncio.create_task(
                        client.post("/customers", json={"name": "w", "email": "w@lock.example"})
                    )
                    read_seconds = []
                    while time.monotonic() - started < HOLD_SECONDS:
                        before = time.monotonic()
                        reply = await client.get(path)
                        assert reply.status_code == 200, reply.text
                        read_seconds.append(time.monotonic() - before)
                        await asyncio.sleep(0.2)
                    assert not write.done(), "the write did not wait for the lock"
                released = time.monotonic()
                reply = await write
                return reply, time.monotonic() - released, read_seconds

        write_reply, after_release, read_seconds = asyncio.run(while_locked())
        assert len(read_seconds) >= 10
        assert max(read_seconds) < NORMAL_READ_SECONDS, read_seconds
        assert write_reply.status_code == 201, write_reply.text
        assert after_release < 1.0, after_release  # it took the lock as soon as it was free

    # Past the busy timeout, the waiting write is a 503 to retry.
    with hasty.client(headers=hasty_headers) as api, write_lock_held(hasty.database_url):
        started = time.monotonic()
        reply = _create(api, "late")
        waited = time.monotonic() - started
    assert_http_error(reply, 503, "unavailable")
    assert reply.headers["retry-after"] == "1"
    assert SHORT_BUSY_TIMEOUT * 0.8 <= waited < SHORT_BUSY_TIMEOUT + 2, waited
