"""Webhooks' costs: ``python -m bench.webhooks [--backend sqlite|postgresql]``.

1. The outbox on ``POST /customers``: the process CPU per create for an account with one
   subscription to ``customer_created`` against one with none, in-process (no server, no
   delivery), rounds alternating; printed as a ratio (the best round of each).
2. Delivery throughput: events/s from ``altpay worker`` processes (one, then two) to a
   receiver on 127.0.0.1, for a backlog of ``--events`` pending events; the ratio of two
   workers to one. Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from altpay.app import create_app
from altpay.auth import service as auth_service
from altpay.auth.tokens import ALL_SCOPES
from altpay.cli.common import in_transaction
from altpay.core.migrate import upgrade
from altpay.core.settings import Settings
from bench.data import BACKENDS, DEFAULT_POSTGRES, postgres_admin
from bench.inprocess import (
    SIGNING_KEY,
    access_token,
    asgi_request,
    bench_settings,
    drop_database,
    http_scope,
)

DATABASE = "altpay_bench_webhooks"
ALTPAY = str(Path(sys.executable).with_name("altpay"))
CUSTOMER = {
    "name": "Bench Hooks",
    "email": "billing@hooks.example",
    "street_address": "1 Market St",
    "city": "San Francisco",
    "state": "CA",
    "postal_code": "94105",
    "country": "USA",
}
NOWHERE = "http://127.0.0.1:9/hooks"  # loopback, nothing listening: never delivered here


async def receiver_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The receiver (``uvicorn bench.webhooks:receiver_app``, a process of its own so that
    it is not what is measured): 204 to every delivery; ``GET /count``, distinct event ids."""
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        while (await receive()).get("more_body"):
            pass
        event_id = dict(scope["headers"]).get(b"webhook-id", b"")
        _SEEN.add(event_id)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    body = str(len(_SEEN)).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


_SEEN: set[bytes] = set()


@contextmanager
def receiving() -> Iterator[str]:
    """The receiver process on a free port of 127.0.0.1, for the block: its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "bench.webhooks:receiver_app", "--port", str(port)]
    process = subprocess.Popen([*command, "--log-level", "warning"])
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"{base_url}/count")
                break
            time.sleep(0.05)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def received(http: httpx.Client) -> int:
    return int(http.get("/count").text)


class Tenant:
    """An account with a client of every scope and, through the app, a token."""

    def __init__(self, app: Any, client_id: str, secret: str) -> None:
        self.app, self.client_id, self.secret = app, client_id, secret
        self.headers: list[tuple[bytes, bytes]] = []

    async def sign_in(self) -> None:
        token = await access_token(self.app, self.client_id, self.secret)
        self.headers = [
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
        ]

    async def post(self, path: str, body: dict[str, str]) -> int:
        scope = http_scope("POST", path, self.headers)
        status, _ = await asgi_request(self.app, scope, json.dumps(body).encode())
        return status

    async def subscribe(self, url: str) -> None:
        body = {"endpoint_url": url, "topic": "customer_created"}
        if await self.post("/webhooks", body) != 201:
            raise SystemExit("subscribing failed")

    async def create_customers(self, count: int) -> float:
        """Creates ``count`` customers; the process CPU per create, µs."""
        started = time.process_time()
        for _ in range(count):
            if await self.post("/customers", CUSTOMER) != 201:
                raise SystemExit("a create failed")
        return (time.process_time() - started) / count * 1e6


def _clients(settings: Settings, names: list[str]) -> list[tuple[str, str]]:
    async def make(connection: Any) -> list[tuple[str, str]]:
        made = []
        for name in names:
            account = await auth_service.create_account(connection, name)
            client = await auth_service.create_client(
                connection, account_id=account.id, name=name, scopes=" ".join(ALL_SCOPES)
            )
            made.append((client.client_id, client.client_secret))
        return made

    return in_transaction(settings, make)


async def _outbox_cost(quiet: Tenant, subscribed: Tenant, rounds: int, creates: int) -> None:
    await subscribed.subscribe(NOWHERE)
    best: dict[str, float] = {}
    for tenant in (quiet, subscribed):  # warm-up
        await tenant.create_customers(20)
    for _ in range(rounds):
        for name, tenant in (("no subscription", quiet), ("one subscription", subscribed)):
            cost = await tenant.create_customers(creates)
            best[name] = min(best.get(name, cost), cost)
    for name, cost in best.items():
        print(json.dumps({"create": name, "cpu_us": round(cost, 1)}))
    ratio = best["one subscription"] / best["no subscription"]
    print(json.dumps({"outbox_cost_ratio": round(ratio, 3)}))


def _cpu_seconds(pid: int) -> float:
    """The process's user and system CPU time so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _throughput(settings: Settings, backlog: int, workers: int) -> tuple[float, float]:
    """Events/s of ``workers`` ``altpay worker`` processes through a backlog of ``backlog``
    events, from their start to the last event's arrival, and their CPU ms per event (the
    steadier figure on a shared machine)."""
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("ALTPAY_")},
        "ALTPAY_DATABASE_URL": settings.database_url_or_default(),
        "ALTPAY_DATA_DIR": str(settings.data_dir),
        "ALTPAY_SIGNING_KEY": SIGNING_KEY,
        "ALTPAY_LOG_LEVEL": "warning",
    }
    (client,) = _clients(settings, [f"Throughput x{workers}"])
    with receiving() as receiver:

        async def load() -> None:
            app = create_app(settings)
            tenant = Tenant(app, *client)
            try:
                await tenant.sign_in()
                await tenant.subscribe(f"{receiver}/hooks")
                await tenant.create_customers(backlog)
            finally:
                await app.state.runtime.database.dispose()

        asyncio.run(load())
        # One client for the polling: a new one per call costs 50 ms of CPU (its TLS context).
        poll = httpx.Client(base_url=receiver)
        started = time.monotonic()
        processes = [subprocess.Popen([ALTPAY, "worker"], env=env) for _ in range(workers)]
        try:
            while (count := received(poll)) < backlog:
                if time.monotonic() - started > 600:
                    raise SystemExit(f"only {count} of {backlog} events in 600 s")
                time.sleep(0.02)
            elapsed = time.monotonic() - started
            cpu = sum(_cpu_seconds(process.pid) for process in processes)
        finally:
            poll.close()
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    return backlog / elapsed, cpu / backlog * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--creates", type=int, default=300, help="per round, per account")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=2000, help="the delivery backlog")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="altpay-bench-webhooks-") as workdir:
        settings = bench_settings(args.backend, Path(workdir), args.postgres_url, DATABASE)
        try:
            upgrade(settings)
            quiet, subscribed = _clients(settings, ["No subscriptions", "One subscription"])

            async def outbox() -> None:
                app = create_app(settings)
                tenants = [Tenant(app, *quiet), Tenant(app, *subscribed)]
                try:
                    for tenant in tenants:
                        await tenant.sign_in()
                    await _outbox_cost(tenants[0], tenants[1], args.rounds, args.creates)
                finally:
                    await app.state.runtime.database.dispose()

            asyncio.run(outbox())
            rates = {workers: _throughput(settings, args.events, workers) for workers in (1, 2)}
            for workers, (rate, cpu_ms) in rates.items():
                figures = {
                    "events_per_s": round(rate, 1),
                    "worker_cpu_ms_per_event": round(cpu_ms, 2),
                }
                print(json.dumps({"workers": workers, **figures}))
            print(json.dumps({"two_workers_ratio": round(rates[2][0] / rates[1][0], 3)}))
        finally:
            if args.backend == "postgresql":
                admin = f"{args.postgres_url}/postgres"
                asyncio.run(postgres_admin(admin, drop_database(DATABASE)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
