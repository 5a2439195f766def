"""Real processes for the operations tests: ``altpay serve`` on free ports, a private
``redis-server``, fresh PostgreSQL databases, and API clients provisioned into the database.

Nothing here is mocked: every test talks to servers over sockets, as a client or an
operator would. Every process a helper starts is stopped by the same helper (SIGTERM, then
SIGKILL after a bounded wait), whatever the test does.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from altpay.auth import service as auth_service
from altpay.auth.tokens import ALL_SCOPES
from altpay.core.db import open_database
from altpay.core.migrate import upgrade
from altpay.core.settings import Settings
from tests.cli.conftest import ALTPAY, altpay_env
from tests.support import postgres

T = TypeVar("T")

SIGNING_KEY = "operations-signing-key-that-is-long-enough-0123456789"
STARTUP_SECONDS = 60.0
STOP_SECONDS = 30.0
TIMEOUT = httpx.Timeout(15.0)
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stop_process(process: subprocess.Popen[Any], timeout: float = STOP_SECONDS) -> int:
    """SIGTERM, then SIGKILL if the process is still there after ``timeout`` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(timeout=10)


# --- Redis -------------------------------------------------------------------------------


def require_redis_server() -> str:
    """The ``redis-server`` binary: fails under CI, else skips, when it is not installed."""
    if REDIS_SERVER is None:
        reason = "redis-server is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return REDIS_SERVER


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class RedisServer:
    """A private, memory-only ``redis-server``: the machine's shared Redis is never touched."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        return _redis_answers(self.port)

    def stop(self) -> None:
        if self.process.poll() is None:
            # A stopped (SIGSTOP) server must be resumed to act on SIGTERM.
            self.process.send_signal(signal.SIGCONT)
        stop_process(self.process, timeout=10)


@contextmanager
def private_redis(directory: Path) -> Iterator[RedisServer]:
    binary = require_redis_server()
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with (directory / f"redis-{port}.log").open("wb") as log:
        process = subprocess.Popen(
            [
                binary,
                *("--port", str(port), "--bind", "127.0.0.1", "--daemonize", "no"),
                *("--save", "", "--appendonly", "no", "--dir", str(directory)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        redis = RedisServer(process, port)
        try:
            deadline = time.monotonic() + 10
            while not redis.answers():
                assert process.poll() is None, "redis-server exited early"
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
            yield redis
        finally:
            redis.stop()


# --- Databases and API clients -----------------------------------------------------------


@contextmanager
def postgres_database(prefix: str = "altpay_ops") -> Iterator[str]:
    """A fresh PostgreSQL database built by the migrations, dropped afterwards."""
    with postgres.fresh_database(prefix) as url:
        upgrade(Settings(database_url=url, signing_key=SIGNING_KEY))
        yield url


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


def sqlite_database(directory: Path) -> str:
    """A migrated SQLite file in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{directory / 'altpay.db'}"
    upgrade(Settings(database_url=url, signing_key=SIGNING_KEY, data_dir=directory))
    return url


@dataclass(frozen=True)
class ApiClient:
    account_id: str
    client_id: str
    client_secret: str


def provision(database_url: str, clients: int = 1, name: str = "Ops") -> list[ApiClient]:
    """One account with ``clients`` API clients (all scopes), written straight to the database."""
    settings = Settings(database_url=database_url, signing_key=SIGNING_KEY)

    async def work() -> list[ApiClient]:
        database = open_database(settings)
        try:
            async with database.transaction() as connection:
                account = await auth_service.create_account(connection, name)
                created = [
                    await auth_service.create_client(
                        connection,
                        account_id=account.id,
                        name=f"{name} client {number}",
                        scopes=" ".join(ALL_SCOPES),
                    )
                    for number in range(clients)
                ]
        finally:
            await database.dispose()
        return [ApiClient(c.account_id, c.client_id, c.client_secret) for c in created]

    return asyncio.run(work())


# --- altpay serve ------------------------------------------------------------------------


def server_env(home: Path, database_url: str, **settings: str) -> dict[str, str]:
    """The environment of one ``altpay serve``: no ALTPAY_* of the machine leaks in."""
    env = altpay_env(home / "data")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        ALTPAY_DATABASE_URL=database_url,
        ALTPAY_SIGNING_KEY=SIGNING_KEY,
        ALTPAY_RATE_LIMIT="0",
        ALTPAY_SHUTDOWN_GRACE="5",
    )
    env.update(settings)
    return env


@dataclass
class Server:
    """One ``altpay serve`` process, its stdout and stderr each captured to a file."""

    process: subprocess.Popen[bytes]
    port: int
    env: dict[str, str]
    stdout_path: Path
    stderr_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return self.env["ALTPAY_DATABASE_URL"]

    def client(self, **options: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=TIMEOUT, **options)

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self, timeout: float = STOP_SECONDS) -> int:
        return stop_process(self.process, timeout)

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"altpay serve exited early:\n{self.stderr()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"altpay serve did not start:\n{self.stderr()}")


def start_server(env: Mapping[str, str], *, workers: int = 1) -> Server:
    """Starts ``altpay serve`` without waiting for it; logs go next to its data dir."""
    port = free_port()
    home = Path(env["ALTPAY_DATA_DIR"]).parent
    home.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = home / f"serve-{port}.out", home / f"serve-{port}.err"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        command = [ALTPAY, "serve", "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=dict(env),
            stdout=stdout,
            stderr=stderr,
        )
    return Server(process, port, dict(env), stdout_path, stderr_path)


@contextmanager
def serving(*envs: Mapping[str, str], workers: int = 1) -> Iterator[list[Server]]:
    """Starts one server per environment, all at once; stops every one of them at the end."""
    servers: list[Server] = []
    try:
        for env in envs:
            servers.append(start_server(env, workers=workers))
        for server in servers:
            server.wait_until_ready()
        yield servers
    finally:
        stop_all(servers)


def stop_all(servers: list[Server]) -> None:
    """SIGTERM to every server first, then wait for each: they shut down side by side."""
    for server in servers:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
    for server in servers:
        server.stop()


# --- Talking to a server -----------------------------------------------------------------


def request_token(
    base_url: str, client: ApiClient, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    return httpx.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.client_secret),
        headers=dict(headers or {}),
        timeout=TIMEOUT,
    )


def bearer(server: Server, client: ApiClient) -> dict[str, str]:
    """An ``Authorization`` header for ``client``; waits out a token rate limit if it hits one."""
    for _ in range(5):
        reply = request_token(server.base_url, client)
        if reply.status_code != 429:
            break
        time.sleep(float(reply.headers["Retry-After"]))
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def in_one_window(attempt: Callable[[], T], *, window: float = 1.0, tries: int = 3) -> T:
    """Runs ``attempt`` in a fresh rate-limit window, until a run fits well inside one window.

    Every rate-limit assertion is about requests within the same second; on a loaded
    machine a run that took longer than that proves nothing, so it is retried (bounded).
    """
    for _ in range(tries):
        time.sleep(window + 0.05)  # whatever came before has left the moving window
        started = time.monotonic()
        result = attempt()
        if time.monotonic() - started < window * 0.8:
            return result
    raise AssertionError(f"no attempt fitted in one rate-limit window in {tries} tries")


def log_messages(text: str) -> list[str]:
    """The ``message`` of every JSON log line of a server's output (other lines left out)."""
    return [
        str(json.loads(line).get("message")) for line in text.splitlines() if line.startswith("{")
    ]


def metric_samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """The samples of metric ``name`` in Prometheus text: (labels, value) pairs."""
    samples = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                samples.append((dict(sample.labels), float(sample.value)))
    return samples
