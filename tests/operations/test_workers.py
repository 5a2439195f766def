"""``altpay serve --workers 2``: each worker listens on a socket of its own, so that a client's
connections, opened together, are spread over the workers instead of landing on whichever
woke first (docs/performance.md, "Two workers")."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from tests.support.server import Server, server_env, serving, wait_for_workers
from tests.support.sqlite import sqlite_database

CONNECTIONS = 64
# Spread by the kernel's hash, each of two workers gets 32 on average (a standard deviation
# of 4): under 16 is a chance of 3 in 100,000. On one shared socket, nearly all went to one.
FEWEST_PER_WORKER = 16
# The state column of /proc/net/tcp.
ESTABLISHED, LISTENING = "01", "0A"
REPLY_SECONDS = 10


def _sockets_on(port: int, state: str) -> set[str]:
    """The inodes of the sockets in ``state`` whose local port is ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    return inodes


def _sockets_of(pid: int) -> set[str]:
    directory = Path(f"/proc/{pid}/fd")
    links = (os.readlink(directory / fd) for fd in os.listdir(directory))
    return {link[len("socket:[") : -1] for link in links if link.startswith("socket:[")}


def _workers_of(server: Server) -> list[int]:
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def _open_together(port: int, count: int) -> list[socket.socket]:
    """``count`` connections opened at once (the kernel completes each handshake before any
    worker accepts one), then each answered once and kept open."""
    connections = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    for connection in connections:
        connection.setblocking(False)
        connection.connect_ex(("127.0.0.1", port))
    for connection in connections:
        connection.setblocking(True)
        connection.settimeout(REPLY_SECONDS)
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    for connection in connections:
        assert connection.recv(65536).startswith(b"HTTP/1.1 200")
    return connections


def test_each_worker_listens_on_its_own_socket_and_connections_are_spread(
    tmp_path: Path,
) -> None:
    env = server_env(tmp_path / "server", sqlite_database(tmp_path / "db"))
    with serving(env, workers=2) as (server,):
        wait_for_workers(server, 2)
        workers = _workers_of(server)
        listening = [_sockets_of(pid) & _sockets_on(server.port, LISTENING) for pid in workers]
        connections = _open_together(server.port, CONNECTIONS)
        try:
            established = _sockets_on(server.port, ESTABLISHED)
            per_worker = [len(_sockets_of(pid) & established) for pid in workers]
        finally:
            for connection in connections:
                connection.close()

    # One listening socket per worker (the supervisor's resource tracker has none), never
    # one shared by both: the kernel, not an accept race, chooses who takes a connection.
    own = [sockets for sockets in listening if sockets]
    assert [len(sockets) for sockets in own] == [1, 1], listening
    assert own[0] != own[1], listening
    assert sum(per_worker) == CONNECTIONS, per_worker
    assert sorted(per_worker)[-2] >= FEWEST_PER_WORKER, per_worker
