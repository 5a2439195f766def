"""``ALTPAY_ENV=production``: refuses to start without its settings, and creates nothing.

Run as an operator would: ``altpay serve`` as a process. Without a database URL and a
signing key it exits 2 naming both; with a weak key it exits 2 before touching the
database; with both set it migrates and serves, prints no sandbox credentials and creates
no account.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.support import postgres
from tests.support.app import TEST_SIGNING_KEY
from tests.support.cli import ALTPAY
from tests.support.server import TIMEOUT, free_port, server_env, serving

WEAK_KEY = "x" * 31


@pytest.fixture
def unmigrated_postgres() -> Iterator[str]:
    """A fresh, empty PostgreSQL database: nothing has run against it yet."""
    with postgres.fresh_database("altpay_prod") as url:
        yield url


def _production_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = server_env(tmp_path, "", ALTPAY_ENV="production")
    for name in ("ALTPAY_DATABASE_URL", "ALTPAY_SIGNING_KEY"):
        env.pop(name)
    env.update(settings)
    return env


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ALTPAY, "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def _tables_and_counts(url: str) -> tuple[set[str], dict[str, int]]:
    connection = await asyncpg.connect(url, timeout=5)
    try:
        tables = {
            row["tablename"]
            for row in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        }
        counts = {}
        for table in ("accounts", "api_clients") if "accounts" in tables else ():
            counts[table] = await connection.fetchval(f"SELECT count(*) FROM {table}")
    finally:
        await connection.close()
    return tables, counts


def test_without_database_url_and_signing_key_it_exits_2_naming_both(tmp_path: Path) -> None:
    refused = _serve(_production_env(tmp_path))

    assert refused.returncode == 2, refused.stderr
    assert "ALTPAY_DATABASE_URL" in refused.stderr
    assert "ALTPAY_SIGNING_KEY" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "data").exists()  # no embedded database, no generated key


@pytest.mark.parametrize("weak", ["ALTPAY_SIGNING_KEY", "ALTPAY_SIGNING_KEY_PREVIOUS"])
def test_a_weak_key_exits_2_before_the_database_is_touched(
    tmp_path: Path, unmigrated_postgres: str, weak: str
) -> None:
    keys = {"ALTPAY_SIGNING_KEY": TEST_SIGNING_KEY, weak: WEAK_KEY}
    env = _production_env(tmp_path, ALTPAY_DATABASE_URL=unmigrated_postgres, **keys)

    refused = _serve(env)

    assert refused.returncode == 2, refused.stderr
    assert weak in refused.stderr
    assert "32 bytes" in refused.stderr
    assert "ALTPAY_DATABASE_URL" not in refused.stderr
    assert "Traceback" not in refused.stderr
    assert WEAK_KEY not in refused.stderr + refused.stdout
    tables, _ = asyncio.run(_tables_and_counts(unmigrated_postgres))
    assert tables == set()  # not even migrated


def test_with_both_settings_it_serves_and_creates_nothing(
    tmp_path: Path, unmigrated_postgres: str
) -> None:
    env = _production_env(
        tmp_path, ALTPAY_DATABASE_URL=unmigrated_postgres, ALTPAY_SIGNING_KEY=TEST_SIGNING_KEY
    )

    with serving(env) as (server,):
        ready = httpx.get(f"{server.base_url}/readyz", timeout=TIMEOUT)
        tables, counts = asyncio.run(_tables_and_counts(unmigrated_postgres))
        assert server.stop() == 0

    assert ready.status_code == 200, ready.text
    assert {"accounts", "api_clients", "customers"} <= tables  # serve migrated it
    assert counts == {"accounts": 0, "api_clients": 0}
    printed = server.stdout() + server.stderr()
    for credential_hint in ("client_secret", "cli_", "sk_", "Sandbox", "sandbox"):
        assert credential_hint not in printed, printed
    assert TEST_SIGNING_KEY not in printed
    assert "Traceback" not in printed
    assert not (tmp_path / "data").exists()  # nothing written beside the database
