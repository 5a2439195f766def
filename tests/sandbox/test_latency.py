"""``Altpay-Simulate: latency=<ms>`` against a real ``altpay serve`` with one worker: the
delayed requests wait on the event loop, holding neither a thread nor a connection, so a
plain request sent meanwhile is answered at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import postgres
from tests.support.server import Server, bearer, server_env
from tests.support.sqlite import sqlite_database
from tests.support.tenants import provision

DELAYED = 32
LATENCY_MS = 2000


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    if request.param == "postgresql":
        with (
            postgres.migrated_database("altpay_latency") as url,
            Server.start(server_env(tmp_path, url)) as started,
        ):
            yield started
        return
    url = sqlite_database(tmp_path)
    with Server.start(server_env(tmp_path, url)) as started:
        yield started


async def timed_get(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[int, float]:
    """The status of ``GET /customers`` and when (monotonic) its answer arrived."""
    reply = await client.get("/customers?limit=1", headers=headers)
    return reply.status_code, time.monotonic()


async def delayed_and_plain(server: Server, headers: dict[str, str]) -> tuple[
    float, list[tuple[int, float]], tuple[int, float]
]:  # fmt: skip
    limits = httpx.Limits(max_connections=DELAYED + 4)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30, limits=limits) as client:
        delayed_headers = {**headers, "Altpay-Simulate": f"latency={LATENCY_MS}"}
        started = time.monotonic()
        delayed = [asyncio.create_task(timed_get(client, delayed_headers)) for _ in range(DELAYED)]
        await asyncio.sleep(0.5)  # every delayed request is in, and waiting
        plain = await timed_get(client, headers)
        return started, await asyncio.gather(*delayed), plain


def test_delays_block_nothing(server: Server) -> None:
    (client,) = provision(server.database_url)
    headers = bearer(server, client)

    started, delayed, (plain_status, plain_done) = asyncio.run(delayed_and_plain(server, headers))

    assert plain_status == 200
    assert [status for status, _ in delayed] == [200] * DELAYED
    assert all(done - started >= LATENCY_MS / 1000 for _, done in delayed)
    # Answered while all 32 were still waiting: nothing held the worker.
    assert plain_done < min(done for _, done in delayed)
