"""A private, memory-only ``redis-server`` on a free port: the machine's Redis is never used."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.server import free_port, stop_process

REDIS_SERVER = shutil.which("redis-server")


def require_redis_server() -> str:
    """The ``redis-server`` binary: fails under CI, else skips, when it is not installed."""
    if REDIS_SERVER is None:
        reason = "redis-server is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return REDIS_SERVER


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            # A stopped (SIGSTOP) server must be resumed to act on SIGTERM.
            self.process.send_signal(signal.SIGCONT)
        stop_process(self.process, timeout=10)


@contextmanager
def private_redis(directory: Path) -> Iterator[RedisServer]:
    """A ``redis-server`` for the block, its log in ``directory``; stopped afterwards."""
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
