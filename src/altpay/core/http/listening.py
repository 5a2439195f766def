"""Each worker of ``altpay serve --workers N`` listens on a socket of its own.

uvicorn's supervisor binds one socket and hands it to every worker; asyncio's accept loop then
takes every connection waiting when its worker wakes, so a client's keep-alive connections,
opened together, mostly land on one worker while the other idles (docs/performance.md, "Two
workers"). With ``SO_REUSEPORT`` each worker binds the address itself, and the kernel spreads
new connections over their sockets.
"""

from __future__ import annotations

import socket
from typing import Any


def bound_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A TCP socket bound to ``host:port`` (resolved as for a server), with ``SO_REUSEADDR``
    as uvicorn sets it, and ``SO_REUSEPORT`` for a worker's socket. ``altpay serve``'s
    port probe binds without it: a port other sockets listen on, reused or not, refuses it."""
    family, kind, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    bound = socket.socket(family, kind)
    try:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        bound.bind(address)
    except OSError:
        bound.close()
        raise
    return bound


def _worker_sockets(host: str, port: int) -> list[socket.socket]:
    return [bound_socket(host, port, reuse_port=True)]


class SocketPerWorker(list[socket.socket]):
    """What uvicorn's supervisor passes each worker as its sockets: empty in the supervisor,
    and unpickled in each worker it starts (or restarts) as a socket that worker binds."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__()
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[Any, ...]:
        return _worker_sockets, (self.host, self.port)
