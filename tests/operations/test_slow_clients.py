"""Slow and idle clients: 500 idle keep-alive connections and 50 sending their headers a byte
a second do not stop a normal request from being answered within a second; the slow ones
are closed at ``ALTPAY_HEADER_TIMEOUT``; past ``ALTPAY_MAX_CONNECTIONS``, a 503 HttpError."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.errors import assert_http_error
from tests.support.server import Server, server_env, serving
from tests.support.sqlite import sqlite_database

IDLE = 500
SLOW = 50
HEADER_TIMEOUT = 3.0
SLOW_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 40 + b"\r\n\r\n"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    env = server_env(
        tmp_path / "server",
        sqlite_database(tmp_path / "db"),
        ALTPAY_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
        ALTPAY_KEEPALIVE_TIMEOUT="60",  # the idle connections stay for the whole test
    )
    with serving(env) as (started,):
        yield started


async def _idle_connection(port: int) -> asyncio.StreamWriter:
    """A keep-alive connection that made one request and then stays idle."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    await reader.readexactly(int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0]))
    return writer


async def _slow_client(port: int, until: float) -> float | None:
    """Sends the headers a byte a second; returns when the server closed the connection
    (seconds after opening), or None if it never did before ``until``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    opened = time.monotonic()
    try:
        for byte in SLOW_REQUEST:
            if time.monotonic() >= until:
                return None
            writer.write(bytes([byte]))
            try:
                await writer.drain()
                if await asyncio.wait_for(reader.read(1), timeout=1.0) == b"":
                    return time.monotonic() - opened  # closed by the server
            except TimeoutError:
                continue  # still open: the next byte
            except ConnectionError:
                return time.monotonic() - opened
        return None
    finally:
        writer.close()


@pytest.mark.timeout(60)
def test_idle_and_slow_clients_do_not_hold_up_a_normal_request(server: Server) -> None:
    async def scenario() -> tuple[list[float], list[float | None]]:
        idle = await asyncio.gather(*(_idle_connection(server.port) for _ in range(IDLE)))
        until = time.monotonic() + HEADER_TIMEOUT + 4
        slow = [asyncio.create_task(_slow_client(server.port, until)) for _ in range(SLOW)]
        normal = []
        async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as api:
            while time.monotonic() < until - 1:
                started = time.monotonic()
                reply = await api.get("/readyz")
                assert reply.status_code == 200, reply.text
                normal.append(time.monotonic() - started)
                await asyncio.sleep(0.25)
        closed = await asyncio.gather(*slow)
        for writer in idle:
            writer.close()
        return normal, closed

    normal, closed = asyncio.run(scenario())

    assert len(normal) >= 10
    assert max(normal) < 1.0, normal
    # Every slow client was cut off at the header timeout, not left to trickle for ever.
    assert all(seconds is not None for seconds in closed), closed
    assert all(HEADER_TIMEOUT - 0.5 <= s < HEADER_TIMEOUT + 2 for s in closed if s), closed


@pytest.mark.timeout(60)
def test_past_the_connection_limit_a_request_is_503_unavailable(tmp_path: Path) -> None:
    env = server_env(
        tmp_path / "server", sqlite_database(tmp_path / "db"), ALTPAY_MAX_CONNECTIONS="5"
    )

    async def scenario(port: int) -> None:
        idle = [await _idle_connection(port) for _ in range(5)]
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as api:
                reply = await api.get("/healthz")
            assert_http_error(reply, 503, "unavailable")
            assert reply.headers["retry-after"] == "1"
        finally:
            for writer in idle:
                writer.close()
        await asyncio.sleep(0.2)  # the idle connections closed: under the limit again
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as api:
            assert (await api.get("/healthz")).status_code == 200

    with serving(env) as (server,):
        asyncio.run(scenario(server.port))
