"""``altpay serve`` as a real process on a free port of 127.0.0.1, talked to over sockets.

A ``Server`` is started with the environment it is given, waited for until ``/healthz``
answers, read back (its stdout and stderr each captured to a file beside its data dir) and
stopped: SIGTERM, then SIGKILL after a bounded wait, whatever the test does.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.app import TEST_SIGNING_KEY
from tests.support.cli import ALTPAY, altpay_env
from tests.support.tenants import ApiClient

T = TypeVar("T")

STARTUP_SECONDS = 60.0
STOP_SECONDS = 30.0
TIMEOUT = httpx.Timeout(15.0)


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


def server_env(home: Path, database_url: str, **settings: str) -> dict[str, str]:
    """The environment of one ``altpay serve`` on ``database_url``, data dir in ``home``:
    no ALTPAY_* of the machine leaks in, rate limits off, a short shutdown grace."""
    env = altpay_env(home / "data")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        ALTPAY_DATABASE_URL=database_url,
        ALTPAY_SIGNING_KEY=TEST_SIGNING_KEY,
        ALTPAY_RATE_LIMIT="0",
        ALTPAY_SHUTDOWN_GRACE="5",
    )
    env.update(settings)
    return env


@dataclass
class Server:
    """One ``altpay serve`` process; ``with`` waits until it is ready and stops it after."""

    process: subprocess.Popen[bytes]
    port: int
    env: dict[str, str]
    stdout_path: Path
    stderr_path: Path

    @classmethod
    def start(cls, env: Mapping[str, str], *, workers: int = 1) -> Server:
        """Starts ``altpay serve`` without waiting for it; logs go next to its data dir."""
        port = free_port()
        home = Path(env["ALTPAY_DATA_DIR"]).parent
        home.mkdir(parents=True, exist_ok=True)
        stdout_path, stderr_path = home / f"serve-{port}.out", home / f"serve-{port}.err"
        command = [ALTPAY, "serve", "--host", "127.0.0.1", "--port", str(port)]
        with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                [*command, "--workers", str(workers)], env=dict(env), stdout=stdout, stderr=stderr
            )
        return cls(process, port, dict(env), stdout_path, stderr_path)

    def __enter__(self) -> Server:
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

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

    def output(self) -> str:
        """Everything the process printed, stdout then stderr."""
        return self.stdout() + self.stderr()

    def log_messages(self) -> list[str]:
        """The ``message`` of every JSON log line on stderr (other lines left out)."""
        return [
            str(json.loads(line).get("message"))
            for line in self.stderr().splitlines()
            if line.startswith("{")
        ]

    def stop(self, timeout: float = STOP_SECONDS) -> int:
        """Stops the process (SIGTERM, then SIGKILL); returns its exit status."""
        return stop_process(self.process, timeout)

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"altpay serve exited early:\n{self.output()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"altpay serve did not start:\n{self.output()}")


def wait_for_workers(server: Server, count: int) -> None:
    """Until ``count`` workers have started: the first one alone already answers /healthz."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while server.log_messages().count("Application startup complete.") < count:
        assert server.process.poll() is None, server.stderr()
        assert time.monotonic() < deadline, server.stderr()
        time.sleep(0.1)


@contextmanager
def serving(*envs: Mapping[str, str], workers: int = 1) -> Iterator[list[Server]]:
    """Starts one server per environment, all at once; stops every one of them at the end."""
    servers: list[Server] = []
    try:
        for env in envs:
            servers.append(Server.start(env, workers=workers))
        for server in servers:
            server.wait_until_ready()
        yield servers
    finally:
        # SIGTERM to every server first, then wait for each: they shut down side by side.
        for server in servers:
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGTERM)
        for server in servers:
            server.stop()


def printed_credentials(server: Server) -> tuple[str, str]:
    """The sandbox client a first start prints, with its ready-to-paste curl line."""
    text = server.output()
    client_id = re.search(r"client_id:\s+(cli_\w+)", text)
    secret = re.search(r"client_secret:\s+(sk_[\w-]+)", text)
    assert client_id, text
    assert secret, text
    assert f"curl -s -u '{client_id[1]}:{secret[1]}'" in text
    return client_id[1], secret[1]


def printed_exports(server: Server) -> str:
    """The ``export BASE=… CLIENT_ID=… CLIENT_SECRET=…`` line a first start prints."""
    line = re.search(
        r"^\s*(export BASE=\S+ CLIENT_ID=\S+ CLIENT_SECRET=\S+)$", server.stdout(), re.M
    )
    assert line, server.output()
    return line[1]


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


def metric_samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """The samples of metric ``name`` in Prometheus text (``/metrics``): (labels, value)."""
    samples = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                samples.append((dict(sample.labels), float(sample.value)))
    return samples


@contextmanager
def working(env: Mapping[str, str], *, concurrency: int = 8) -> Iterator[subprocess.Popen[bytes]]:
    """One ``altpay worker`` process for the block (its output beside its data dir); stopped
    with SIGTERM at the end, as an operator stops it."""
    home = Path(env["ALTPAY_DATA_DIR"]).parent
    home.mkdir(parents=True, exist_ok=True)
    command = [ALTPAY, "worker", "--concurrency", str(concurrency)]
    with (home / "worker.out").open("ab") as stdout, (home / "worker.err").open("ab") as stderr:
        process = subprocess.Popen(command, env=dict(env), stdout=stdout, stderr=stderr)
    try:
        yield process
    finally:
        stop_process(process)
