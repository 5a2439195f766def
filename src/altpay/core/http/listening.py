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


def _bind_reusing_port(host: str, port: int) -> list[socket.socket]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listening.bind((host, port))
    return [listening]


class SocketPerWorker(list[socket.socket]):
    """What uvicorn's supervisor passes each worker as its sockets: empty in the supervisor,
    and unpickled in each worker it starts (or restarts) as a socket that worker binds."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__()
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[Any, ...]:
        return _bind_reusing_port, (self.host, self.port)
