"""Real PostgreSQL databases for tests: created, migrated, emptied and dropped by the tests.

The server is ``ALTPAY_TEST_POSTGRES_URL`` (default: 127.0.0.1:5432, user postgres). Under
``CI=true`` a test that needs it fails when it cannot connect; elsewhere it is skipped with
the reason shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest

from altpay.core.migrate import upgrade
from altpay.core.settings import Settings
from altpay.models import metadata
from tests.support.app import TEST_SIGNING_KEY

SERVER_URL = os.environ.get("ALTPAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
# Every table of the models (a new one included, without anyone editing a list); Alembic's
# version table is not among them, and keeps its row.
TABLES = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)


def database_url(name: str) -> str:
    return f"{SERVER_URL.rstrip('/')}/{name}"


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(database_url("postgres"), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def require_server() -> None:
    """Fails under CI, else skips, when the PostgreSQL server cannot be reached."""
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError) as error:
        reason = f"PostgreSQL at {SERVER_URL} is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def create_database(prefix: str = "altpay_test") -> str:
    """A new, empty database; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    return database_url(name)


@contextmanager
def fresh_database(prefix: str = "altpay_test") -> Iterator[str]:
    """A new, empty database for the block (the server required), dropped afterwards."""
    require_server()
    url = create_database(prefix)
    try:
        yield url
    finally:
        drop_database(url)


@contextmanager
def migrated_database(prefix: str = "altpay_test") -> Iterator[str]:
    """A new database built by the migrations for the block (the server required), then
    dropped."""
    with fresh_database(prefix) as url:
        upgrade(Settings(database_url=url, signing_key=TEST_SIGNING_KEY))
        yield url


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def empty_tables(url: str) -> None:
    """Deletes every row of every table of the models."""

    async def truncate() -> None:
        connection = await asyncpg.connect(url, timeout=5)
        try:
            await connection.execute(f"TRUNCATE {TABLES} CASCADE")
        finally:
            await connection.close()

    asyncio.run(truncate())


# --- A private PostgreSQL cluster, for the tests that stop and start the server ---------

_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class PrivateCluster:
    """A PostgreSQL cluster of the test's own (``initdb`` in a temp dir, a free port of
    127.0.0.1), which the test may stop and start again; removed at the end.

    The server binaries refuse to run as root: under root they run as the ``postgres`` user.
    """

    def __init__(self, port: int) -> None:
        bin_dir = next((d for d in _BIN_DIRS if (d / "pg_ctl").exists()), None)
        if bin_dir is None:
            reason = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        self._bin = bin_dir
        self.port = port
        self._home = Path(tempfile.mkdtemp(prefix="altpay-pg-"))
        self._data = self._home / "data"
        if os.geteuid() == 0:
            shutil.chown(self._home, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*prefix, *command], check=True, capture_output=True, timeout=60, cwd=self._home
        )

    def init(self) -> None:
        self._run(
            str(self._bin / "initdb"), "-D", str(self._data), "-U", "postgres", "-A", "trust",
            "--no-sync", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self._home} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self._bin / "pg_ctl"), "-D", str(self._data), "-o", options, "-w", "-t", "30",
            "-l", str(self._home / "server.log"), "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(self._bin / "pg_ctl"), "-D", str(self._data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop()
        shutil.rmtree(self._home, ignore_errors=True)


@contextmanager
def private_cluster(port: int) -> Iterator[PrivateCluster]:
    """A started private cluster, migrated (its ``postgres`` database), for the block."""
    cluster = PrivateCluster(port)
    try:
        cluster.init()
        cluster.start()
        upgrade(Settings(database_url=cluster.url, signing_key=TEST_SIGNING_KEY))
        yield cluster
    finally:
        cluster.remove()
