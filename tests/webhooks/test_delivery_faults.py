"""Delivery under faults, through real ``altpay worker`` processes, on both backends: a
worker killed with SIGKILL in the middle of a burst loses no event, and two workers never
deliver one event at the same time nor a customer's events out of their commit order."""

from __future__ import annotations

import asyncio
import random
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import postgres
from tests.support.cli import ALTPAY
from tests.support.receiver import Answer, Delivery, Receiver, receiving
from tests.support.server import Server, bearer, server_env, working
from tests.support.sqlite import sqlite_database
from tests.support.tenants import provision
from tests.webhooks.test_delivery import CUSTOMER

BURST = {"sqlite": 300, "postgresql": 1000}
# Deliveries by worker processes only; a claim lapses 2 x 2 + 5 = 9 s after a kill.
WORKERS_ONLY = {"ALTPAY_SERVE_DELIVERS_WEBHOOKS": "false", "ALTPAY_WEBHOOK_TIMEOUT": "2"}


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield sqlite_database(tmp_path / "db")
        return
    with postgres.migrated_database("altpay_delivery_faults") as url:
        yield url


async def _create_customers(base_url: str, headers: dict[str, str], count: int) -> list[str]:
    """``count`` customers created through the API, 8 requests at a time; their ids."""
    limit = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:

        async def create(number: int) -> str:
            async with limit:
                reply = await http.post("/customers", json={**CUSTOMER, "name": f"Burst {number}"})
            assert reply.status_code == 201, reply.text
            return str(reply.json()["id"])

        return list(await asyncio.gather(*(create(number) for number in range(count))))


def _kill_when_delivering(receiver: Receiver, worker: subprocess.Popen[bytes]) -> threading.Thread:
    """SIGKILL for ``worker`` as soon as its first deliveries have arrived (mid-burst)."""

    def watch() -> None:
        receiver.wait_for(20, timeout=60)
        worker.kill()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


@pytest.mark.timeout(240)
def test_a_worker_killed_mid_burst_loses_no_event(
    tmp_path: Path, backend: str, database_url: str
) -> None:
    count = BURST[backend]
    (client,) = provision(database_url)
    env = server_env(tmp_path / "server", database_url, **WORKERS_ONLY)
    with receiving() as receiver, Server.start(env) as server:
        headers = bearer(server, client)
        subscribed = httpx.post(
            f"{server.base_url}/webhooks",
            json={"endpoint_url": receiver.url(), "topic": "customer_created"},
            headers=headers,
        )
        assert subscribed.status_code == 201, subscribed.text
        worker = subprocess.Popen([ALTPAY, "worker"], env=env, stderr=subprocess.DEVNULL)
        watcher = _kill_when_delivering(receiver, worker)
        created = asyncio.run(_create_customers(server.base_url, headers, count))
        watcher.join(timeout=60)
        assert worker.wait(timeout=10) == -9
        delivered_before_restart = len(receiver.event_ids())
        with working(env):
            deliveries = receiver.wait_for(count, timeout=150)

    assert 0 < delivered_before_restart < count
    assert {delivery.event["data"]["id"] for delivery in deliveries} == set(created)
    assert len(receiver.event_ids()) == count


def _slowly(_delivery: Delivery, _number: int) -> Answer:
    return Answer(200, delay=random.uniform(0, 0.02))


CUSTOMERS, PATCHES = 20, 9


def _change_in_order(base_url: str, headers: dict[str, str]) -> list[str]:
    """``CUSTOMERS`` customers side by side, each created then patched ``PATCHES`` times in
    turn (``legal_name`` "0", "1", …): their ids."""

    async def one(http: httpx.AsyncClient, number: int) -> str:
        reply = await http.post("/customers", json={**CUSTOMER, "name": f"Ordered {number}"})
        assert reply.status_code == 201, reply.text
        customer_id = str(reply.json()["id"])
        for step in range(PATCHES):
            patched = await http.patch(f"/customers/{customer_id}", json={"legal_name": str(step)})
            assert patched.status_code == 200, patched.text
        return customer_id

    async def everyone() -> list[str]:
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
            return list(await asyncio.gather(*(one(http, n) for n in range(CUSTOMERS))))

    return asyncio.run(everyone())


def _arrival_order(deliveries: list[Delivery]) -> dict[str, list[str]]:
    """Per customer, the ``legal_name`` of each event as it first arrived."""
    seen: set[str] = set()
    order: dict[str, list[str]] = {}
    for delivery in deliveries:
        event: dict[str, Any] = delivery.event
        if event["id"] in seen:
            continue
        seen.add(event["id"])
        order.setdefault(event["data"]["id"], []).append(event["data"]["legal_name"])
    return order


@pytest.mark.timeout(180)
def test_two_workers_never_overlap_and_keep_each_customers_order(
    tmp_path: Path, database_url: str
) -> None:
    """On PostgreSQL both claim side by side (SKIP LOCKED); on SQLite the lease lets one
    deliver at a time, and the other takes over only once it lapses."""
    (client,) = provision(database_url)
    env = server_env(tmp_path / "server", database_url, **WORKERS_ONLY)
    with (
        receiving(_slowly) as receiver,
        Server.start(env) as server,
        working(env, concurrency=4),
        working(env, concurrency=4),
    ):
        headers = bearer(server, client)
        for topic in ("customer_created", "customer_updated"):
            body = {"endpoint_url": receiver.url(), "topic": topic}
            reply = httpx.post(f"{server.base_url}/webhooks", json=body, headers=headers)
            assert reply.status_code == 201, reply.text
        started = time.monotonic()
        customers = _change_in_order(server.base_url, headers)
        deliveries = receiver.wait_for(CUSTOMERS * (PATCHES + 1), timeout=120)
        elapsed = time.monotonic() - started

    assert receiver.overlaps == 0
    order = _arrival_order(deliveries)
    assert set(order) == set(customers), f"{len(deliveries)} deliveries in {elapsed:.1f} s"
    # The created event carries the legal name as created (the name's default), then 0…8.
    assert all(names[1:] == [str(step) for step in range(PATCHES)] for names in order.values())
