"""The processes around a run: the served API, Prism (the peer), wrk's install, and the
``/proc`` readings of a server's CPU time and memory. Everything listens on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from altpay.cli.common import say
from bench import BENCH_DIR, REPO

PRISM_DIR = BENCH_DIR / ".prism"  # gitignored: npm installs Prism here on first use
PRISM_PACKAGE = "@stoplight/prism-cli@5"
SPEC = REPO.parent / "shared" / "spec" / "openapi.json"
HOST = "127.0.0.1"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("Installing wrk (apt-get install -y wrk)…")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(install, env=env, check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed and apt-get could not install it.")
    return found


def ensure_prism() -> Path:
    prism = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if prism.exists():
        return prism
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed for the peer scenario (Prism); or pass --skip peer.")
    say(f"Installing Prism ({PRISM_PACKAGE}) into {PRISM_DIR.relative_to(REPO)}…")
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(PRISM_DIR),
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            PRISM_PACKAGE,
        ],
        check=True,
    )
    return prism


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def wait_http(url: str, timeout: float, expect: Callable[[int], bool] = lambda s: s < 500) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if expect(reply.status):
                    return
        except urllib.error.HTTPError as error:
            if expect(error.code):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.2)


class Server:
    """The API as ``altpay serve`` runs it, the reference routes in front (``bench.serve``),
    as a real process with its log in a file of the run's temp dir."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.workers = workers
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.serve",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = f"http://{HOST}:{self.port}"

    def wait_ready(self) -> None:
        wait_http(f"{self.url}/readyz", 120, expect=lambda status: status == 200)
        deadline = time.monotonic() + 30
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        if self.workers == 1:
            return [self.process.pid]
        return _children(self.process.pid)

    def stop(self) -> dict[str, int]:
        """Stops the server; counts the log's lines by level (errors must be none)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
        levels: Counter[str] = Counter()
        problems: list[str] = []
        with self.log_path.open("rb") as log:
            for raw in log:
                try:
                    level = str(json.loads(raw).get("level", "?"))
                except ValueError:
                    level = "text"
                levels[level] += 1
                if level in ("ERROR", "CRITICAL", "text") and len(problems) < 5:
                    problems.append(raw.decode(errors="replace").strip()[:300])
        for problem in problems:
            say(f"  server log: {problem}")
        self.log_path.unlink()
        return dict(levels)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time the processes (all their threads) have used so far."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, MiB."""
    values = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line[:5]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


class MemorySampler:
    """Samples every worker's resident memory while a load runs."""

    def __init__(self, pids: Sequence[int], interval: float = 1.0) -> None:
        self.pids = list(pids)
        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (seconds, largest worker RSS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.monotonic()

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            largest = max(rss_mb(pid)[0] for pid in self.pids)
            self.samples.append((time.monotonic() - self._started, largest))

    def peak(self) -> float:
        return max(rss_mb(pid)[1] for pid in self.pids)


@contextlib.contextmanager
def prism_server(enabled: bool) -> Iterator[str | None]:
    """Prism mocking the vendor's document: the ``peer`` scenario's server."""
    if not enabled:
        yield None
        return
    prism = ensure_prism()
    port = free_port()
    process = subprocess.Popen(
        [str(prism), "mock", "-h", HOST, "-p", str(port), str(SPEC)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_http(f"http://{HOST}:{port}/customers", 90, expect=lambda status: status != 0)
        yield f"http://{HOST}:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
