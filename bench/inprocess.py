"""CPU per request of altpay's hot paths, in-process: ``python -m bench.inprocess``.

The HTTP benchmark (``bench.run``) measures what a client sees, but on a shared two-core
machine its rps moves by a quarter from run to run. This one calls the ASGI app directly
(no server, no network, no load generator), on a database loaded by ``bench.data``'s bulk
path, and reports the process CPU time per request of each path, the minimum over rounds
that alternate the paths: steady enough to decide a change by. ``--cprofile PATH`` prints
where one path's time goes instead.

Paths: ``ceiling`` and ``floor`` (the reference routes of ``bench.reference``),
``get``, ``list``, ``deep`` (a cursor 90% of the way through), ``filter``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from altpay.app import create_app
from altpay.auth import service as auth_service
from altpay.cli.common import in_transaction
from altpay.core.migrate import upgrade
from altpay.core.observability import configure_logging
from altpay.core.settings import Settings
from bench.backend import basic_credentials, deep_cursors
from bench.data import (
    BACKENDS,
    DEFAULT_POSTGRES,
    FILTER_WORD,
    Dataset,
    Generator,
    Population,
    load_postgresql,
    load_sqlite,
    postgres_admin,
)
from bench.reference import with_reference_routes

# list1: a page of one, the list's cost with next to no rows (list minus list1: its 99 more rows).
PATHS = ("ceiling", "floor", "get", "list1", "list", "deep", "filter")
SIGNING_KEY = "inprocess-benchmark-signing-key-0123456789abcdef"

Call = Callable[[], Coroutine[Any, Any, int]]


def http_scope(method: str, target: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    path, _, query = target.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def asgi_request(app: Any, scope: dict[str, Any], body: bytes = b"") -> tuple[int, bytes]:
    """One request through the whole ASGI app: its status and body."""
    status, answer = 0, bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            answer.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(answer)


def _asgi_call(
    app: Any, method: str, target_of: Callable[[], str], headers: list[tuple[bytes, bytes]]
) -> Call:
    request_log = app.state.request_log  # the sandbox's writer, or None

    async def call() -> int:
        status, _ = await asgi_request(app, http_scope(method, target_of(), headers))
        if request_log is not None:
            # Its row written before the next request, as for one client at a time: the
            # request log's whole cost lands in this request's CPU.
            await request_log.caught_up(5.0)
        return status

    return call


def bench_settings(
    backend: str, workdir: Path, postgres_url: str, name: str = "altpay_inprocess"
) -> Settings:
    """Settings on a new database ``name`` (PostgreSQL) or a file in ``workdir`` (SQLite),
    the sandbox off as in production (no request log), like the HTTP benchmark's servers."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'altpay.db'}"
    else:
        url = f"{postgres_url}/{name}"
        asyncio.run(postgres_admin(f"{postgres_url}/postgres", drop_database(name)))
        asyncio.run(postgres_admin(f"{postgres_url}/postgres", f"CREATE DATABASE {name}"))
    return Settings(
        database_url=url, data_dir=workdir, signing_key=SIGNING_KEY, rate_limit=0, sandbox=False
    )


def drop_database(name: str = "altpay_inprocess") -> str:
    return f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"


def _load(settings: Settings, backend: str, customers: int) -> tuple[str, str, str, Dataset]:
    """Migrates, makes an account and a client, loads ``customers`` into the account."""
    upgrade(settings)

    async def make(connection: Any) -> tuple[str, str, str]:
        account = await auth_service.create_account(connection, "In-process bench")
        client = await auth_service.create_client(
            connection,
            account_id=account.id,
            name="bench",
            scopes="customers:read customers:write",
        )
        return account.id, client.client_id, client.client_secret

    account_id, client_id, secret = in_transaction(settings, make)
    population = Population([], [Generator(account_id, customers, 7, main=True)])
    url = settings.database_url_or_default()
    if backend == "sqlite":
        load_sqlite(Path(url.removeprefix("sqlite:///")), population)
    else:
        asyncio.run(load_postgresql(url, population))
    return account_id, client_id, secret, population.main


async def access_token(app: Any, client_id: str, secret: str) -> str:
    basic = basic_credentials(client_id, secret)
    headers = [
        (b"authorization", f"Basic {basic}".encode()),
        (b"content-type", b"application/x-www-form-urlencoded"),
    ]
    scope = http_scope("POST", "/oauth/token", headers)
    status, body = await asgi_request(app, scope, b"grant_type=client_credentials")
    if status != 200:
        raise SystemExit(f"/oauth/token answered {status}: {body!r}")
    token: str = json.loads(body)["access_token"]
    return token


def _calls(app: Any, token: str, data: Dataset, cursor: str) -> dict[str, Call]:
    ids = data.ids
    rng = random.Random(1)
    bearer = [(b"authorization", f"Bearer {token}".encode())]

    def random_id(prefix: str) -> Callable[[], str]:
        return lambda: prefix + rng.choice(ids)

    def fixed(path: str) -> Callable[[], str]:
        return lambda: path

    return {
        "ceiling": _asgi_call(app, "GET", fixed("/_bench/ceiling"), []),
        "floor": _asgi_call(app, "GET", random_id("/_bench/floor/"), []),
        "get": _asgi_call(app, "GET", random_id("/customers/"), bearer),
        "list1": _asgi_call(app, "GET", fixed("/customers?limit=1"), bearer),
        "list": _asgi_call(app, "GET", fixed("/customers?limit=100"), bearer),
        "deep": _asgi_call(app, "GET", fixed(f"/customers?limit=100&after={cursor}"), bearer),
        "filter": _asgi_call(
            app, "GET", fixed(f"/customers?limit=100&company_name={FILTER_WORD}"), bearer
        ),
    }


async def _cpu_per_request(call: Call, requests: int) -> float:
    started = time.process_time()
    for _ in range(requests):
        status = await call()
        if status != 200:
            raise SystemExit(f"a benchmark request answered {status}")
    return (time.process_time() - started) / requests * 1e6


async def _measure(calls: dict[str, Call], paths: list[str], rounds: int, requests: int) -> None:
    best: dict[str, float] = {}
    for path in paths:  # warm-up: caches, compiled statements, the first connection
        await _cpu_per_request(calls[path], 20)
    for _ in range(rounds):
        for path in paths:
            per_list = max(1, requests // 20) if path in ("list", "deep", "filter") else requests
            cost = await _cpu_per_request(calls[path], per_list)
            best[path] = min(best.get(path, cost), cost)
    for path in paths:
        print(json.dumps({"path": path, "cpu_us": round(best[path], 1)}))


async def _profile(calls: dict[str, Call], path: str, requests: int) -> None:
    await _cpu_per_request(calls[path], 20)
    profiler = cProfile.Profile()
    profiler.enable()
    await _cpu_per_request(calls[path], requests)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(45)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=500, help="per round, per path")
    parser.add_argument("--cprofile", choices=PATHS, help="profile this path instead")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument(
        "--sandbox", action="store_true", help="the sandbox on: every request logged"
    )
    args = parser.parse_args()
    paths = args.paths.split(",")
    with tempfile.TemporaryDirectory(prefix="altpay-inprocess-") as workdir:
        settings = bench_settings(args.backend, Path(workdir), args.postgres_url)
        settings = settings.model_copy(update={"sandbox": args.sandbox})
        try:
            account_id, client_id, secret, data = _load(settings, args.backend, args.customers)
            cursor = deep_cursors(SIGNING_KEY, account_id, data)[0.9]
            asyncio.run(_bench(settings, client_id, secret, data, cursor, args, paths))
        finally:
            if args.backend == "postgresql":
                admin = f"{args.postgres_url}/postgres"
                asyncio.run(postgres_admin(admin, drop_database()))
    return 0


async def _bench(
    settings: Settings,
    client_id: str,
    secret: str,
    data: Dataset,
    cursor: str,
    args: argparse.Namespace,
    paths: list[str],
) -> None:
    # Logging as ``altpay serve`` sets it up (an access line per request), into the void.
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    configure_logging("info")
    app = with_reference_routes(create_app(settings))
    # The app's lifespan, as a server runs it: its background tasks (the sandbox's request
    # log writer) run, and are measured, in this process; it disposes of the database.
    async with app.router.lifespan_context(app):
        calls = _calls(app, await access_token(app, client_id, secret), data, cursor)
        if args.cprofile:
            await _profile(calls, args.cprofile, args.requests)
        else:
            await _measure(calls, paths, args.rounds, args.requests)


if __name__ == "__main__":
    sys.exit(main())
