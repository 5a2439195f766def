"""One ``Idempotency-Key``, many concurrent requests, one real server on PostgreSQL.

Twenty identical ``POST /customers`` with the same key, sent at once, each on its own
connection: exactly one customer is created. Every reply is that customer (201, the first
or a replay) or 409 ``idempotency_key_in_use`` while the first one runs — never a 500, never
a second customer. A later retry replays the stored 201.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.errors import assert_http_error
from tests.support.server import TIMEOUT, Server, bearer, server_env, serving
from tests.support.tenants import provision

RACERS = 20
BODY = {
    "name": "Idempotent Co",
    "email": "billing@idempotent.example",
    "external_id": "erp-idem-1",
    "city": "Springfield",
}


@pytest.fixture
def server(tmp_path: Path, postgres_url: str) -> Iterator[Server]:
    with serving(server_env(tmp_path / "server", postgres_url)) as (started,):
        yield started


async def _post_all(server: Server, headers: dict[str, str]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=RACERS, max_keepalive_connections=0)
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=headers, limits=limits, timeout=TIMEOUT
    ) as client:
        return list(
            await asyncio.gather(*(client.post("/customers", json=BODY) for _ in range(RACERS)))
        )


async def _stored(url: str, account_id: str) -> tuple[list[str], list[Any]]:
    connection = await asyncpg.connect(url, timeout=5)
    try:
        customers = await connection.fetch(
            "SELECT id FROM customers WHERE account_id = $1", account_id
        )
        keys = await connection.fetch(
            "SELECT response_status FROM idempotency_keys WHERE account_id = $1", account_id
        )
    finally:
        await connection.close()
    return [row["id"] for row in customers], [row["response_status"] for row in keys]


def test_concurrent_requests_with_one_key_create_one_customer(server: Server) -> None:
    (client,) = provision(server.database_url)
    headers = {**bearer(server, client), "Idempotency-Key": f"create-{uuid.uuid4()}"}

    replies = asyncio.run(_post_all(server, headers))

    statuses = Counter(reply.status_code for reply in replies)
    assert set(statuses) <= {201, 409}, [(r.status_code, r.text) for r in replies]
    created = [reply for reply in replies if reply.status_code == 201]
    assert created, statuses
    first = [reply for reply in created if "Idempotent-Replayed" not in reply.headers]
    assert len(first) == 1, [dict(reply.headers) for reply in created]
    customer = first[0].json()
    for reply in created:
        assert reply.json() == customer
        assert reply.headers["Location"] == first[0].headers["Location"]
        if reply is not first[0]:
            assert reply.headers["Idempotent-Replayed"] == "true"
    for reply in replies:
        if reply.status_code == 409:
            assert_http_error(reply, 409, "idempotency_key_in_use", validation_errors={})

    customer_ids, key_statuses = asyncio.run(_stored(server.database_url, client.account_id))
    assert customer_ids == [customer["id"]]
    assert key_statuses == [201]

    retry = httpx.post(f"{server.base_url}/customers", json=BODY, headers=headers, timeout=TIMEOUT)
    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Location"] == first[0].headers["Location"]
    assert retry.json() == customer
    assert asyncio.run(_stored(server.database_url, client.account_id))[0] == customer_ids

    log = server.stderr()
    assert "Traceback" not in log, log
    assert '"status": 500' not in log, log
