"""A fresh, loaded database for one backend, and what the scenarios need to address it.

The schema comes from ``altpay db upgrade``, the account and its API client from the real
CLI, the customers from ``bench.data``'s bulk path, the token from a short-lived server.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from altpay.cli.common import say
from altpay.core.pagination import list_key
from altpay.core.runtime import cursor_codec
from altpay.core.timestamps import format_timestamp
from altpay.customers.service import CUSTOMERS_LIST
from bench.data import (
    Dataset,
    load_postgresql,
    load_sqlite,
    populate,
    postgres_admin,
)
from bench.scenarios import Run, Target
from bench.servers import Server

BIN = Path(sys.executable).parent


def cli(env: dict[str, str], *arguments: str) -> Any:
    done = subprocess.run(
        [str(BIN / "altpay"), *arguments], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"altpay {' '.join(arguments)} failed: {done.stderr.strip()[-1000:]}")
    return json.loads(done.stdout) if "--json" in arguments else done.stdout


def prepare_backend(run: Run, backend: str) -> tuple[dict[str, str], Target, Callable[[], None]]:
    """A fresh, loaded database for ``backend``; its env, target and a cleanup."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALTPAY_", "PROMETHEUS_MULTIPROC_DIR"))
    }
    data_dir = run.workdir / backend
    data_dir.mkdir()
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    if backend == "sqlite":
        database_url = f"sqlite:///{data_dir / 'altpay.db'}"
    else:
        database = f"altpay_bench_{os.getpid()}"
        admin = f"{run.args.postgres_url}/postgres"
        asyncio.run(postgres_admin(admin, f'DROP DATABASE IF EXISTS "{database}"'))
        asyncio.run(postgres_admin(admin, f'CREATE DATABASE "{database}"'))
        database_url = f"{run.args.postgres_url}/{database}"

        def cleanup() -> None:
            asyncio.run(postgres_admin(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))

    env.update(
        ALTPAY_ENV="production",
        ALTPAY_DATABASE_URL=database_url,
        ALTPAY_DATA_DIR=str(data_dir),
        ALTPAY_SIGNING_KEY=run.signing_key,
        ALTPAY_RATE_LIMIT="0",
        ALTPAY_LOG_LEVEL="info",
    )
    try:
        say(f"[{backend}] migrating a fresh database…")
        cli(env, "db", "upgrade")
        account = cli(env, "accounts", "create", "--name", "Bench main", "--json")
        client = cli(
            env,
            "clients",
            "create",
            "--account",
            account["id"],
            "--name",
            "bench",
            "--scopes",
            "customers:read customers:write",
            "--json",
        )
        data = load_data(run, backend, database_url, account["id"])
    except BaseException:
        cleanup()
        raise
    ids_file = data_dir / "ids.txt"
    ids_file.write_text("\n".join(data.ids) + "\n")
    cursors = deep_cursors(run.signing_key, account["id"], data)
    basic = basic_credentials(client["client_id"], client["client_secret"])
    token = _token(env, client["client_id"], client["client_secret"])
    target = Target("", token, basic, ids_file, cursors, run.peer_url)
    return env, target, cleanup


def load_data(run: Run, backend: str, database_url: str, main_account: str) -> Dataset:
    population = populate(main_account, run.profile.customers, run.args.seed)
    total = population.customers
    say(f"[{backend}] loading {total:,} customers ({run.profile.customers:,} in one account)…")
    started = time.monotonic()
    if backend == "sqlite":
        load_sqlite(Path(database_url.removeprefix("sqlite:///")), population)
    else:
        asyncio.run(load_postgresql(database_url, population, analyze=not run.args.unanalysed))
    seconds = time.monotonic() - started
    users, methods = population.users, population.methods
    run.loads[backend] = {
        "customers": total,
        "users": users,
        "payment_methods": methods,
        "seconds": round(seconds, 1),
    }
    say(
        f"[{backend}] loaded {total:,} customers, {users:,} users, {methods:,} payment methods "
        f"in {seconds:.1f} s"
    )
    return population.main


def deep_cursors(signing_key: str, account_id: str, data: Dataset) -> dict[float, str]:
    """Signed ``after`` cursors at each depth, made as altpay makes them."""
    codec = cursor_codec([signing_key.encode()])
    key = list_key(account_id, CUSTOMERS_LIST)
    return {
        depth: codec.encode(format_timestamp(created_at), customer_id, key)
        for depth, (created_at, customer_id) in data.depth_positions.items()
    }


def basic_credentials(client_id: str, secret: str) -> str:
    """The ``Authorization: Basic`` value of a client's credentials."""
    return base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _token(env: dict[str, str], client_id: str, secret: str) -> str:
    # A short-lived server only to mint the bench token the way clients get one.
    server = Server(env, 1, Path(env["ALTPAY_DATA_DIR"]) / "token-server.log")
    try:
        server.wait_ready()
        request = urllib.request.Request(
            f"{server.url}/oauth/token",
            data=b"grant_type=client_credentials",
            headers={
                "Authorization": f"Basic {basic_credentials(client_id, secret)}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            token: str = json.load(reply)["access_token"]
            return token
    finally:
        server.stop()
