"""PostgreSQL faults under a real ``altpay serve``: its connections killed under load, the
database stopped and started again. Each request is answered (a success, or a 503
``unavailable`` with ``Retry-After``), never a 500 or a dropped connection, and nothing
acknowledged is lost. Bounded: each test takes well under a minute.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.support.load import (
    LoadResult,
    assert_acknowledged_writes_kept,
    assert_only_answered_unavailable,
    run_load,
)
from tests.support.server import Server, bearer, server_env, serving
from tests.support.tenants import provision

LOAD_SECONDS = 12.0
KILL_EVERY = 2.0

# Every connection of altpay's pools (they name themselves in application_name).
_TERMINATE = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND application_name LIKE 'altpay%'"
)


@pytest.fixture
def server(tmp_path: Path, postgres_url: str) -> Iterator[Server]:
    env = server_env(tmp_path / "server", postgres_url, ALTPAY_DB_POOL_TIMEOUT="3")
    with serving(env) as (started,):
        yield started


async def _kill_connections(database_url: str, until: float) -> int:
    """Terminates altpay's connections every KILL_EVERY seconds; returns how many."""
    admin = await asyncpg.connect(database_url, timeout=5)
    killed = 0
    try:
        while time.monotonic() + KILL_EVERY < until:
            await asyncio.sleep(KILL_EVERY)
            killed += await admin.fetchval(_TERMINATE)
    finally:
        await admin.close()
    return killed


@pytest.mark.timeout(90)
def test_killed_connections_are_answered_503_and_lose_no_write(server: Server) -> None:
    (client,) = provision(server.database_url)
    headers = bearer(server, client)

    async def scenario() -> tuple[int, LoadResult]:
        until = time.monotonic() + LOAD_SECONDS
        load = asyncio.create_task(run_load(server.base_url, headers, LOAD_SECONDS))
        killed = await _kill_connections(server.database_url, until)
        return killed, await load

    killed, result = asyncio.run(scenario())

    assert killed >= 5, killed  # the connections really were killed, again and again
    assert_only_answered_unavailable(result)
    assert result.count("create", 201) > 50, result.summary()
    # Reads are retried once on a fresh connection: a killed one costs them (almost) nothing,
    # where without the retry every kill fails the reads in flight on it.
    reads_unavailable = result.count("get", 503) + result.count("list", 503)
    assert reads_unavailable <= 2, result.summary()

    # The pool recovers within a second of a kill: every request answers again.
    asyncio.run(_kill_connections_once(server.database_url))
    time.sleep(1.0)
    with server.client(headers=headers) as api:
        for number in range(10):
            created = api.post(
                "/customers", json={"name": "After", "email": f"a{number}@x.example"}
            )
            assert created.status_code == 201, created.text
    assert_acknowledged_writes_kept(server.base_url, headers, result)
    assert "Traceback" not in server.stderr(), server.stderr()[-3000:]


async def _kill_connections_once(database_url: str) -> None:
    admin = await asyncpg.connect(database_url, timeout=5)
    try:
        await admin.fetchval(_TERMINATE)
    finally:
        await admin.close()
