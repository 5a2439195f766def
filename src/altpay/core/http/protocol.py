"""uvicorn's HTTP protocol (httptools) with a header timeout and a connection limit.

uvicorn closes a keep-alive connection idle for ``timeout_keep_alive``, but it gives a client
all the time it wants to send a request's headers: a connection sending a byte a second
would stay open for ever. Here a connection that has not completed a request's headers
within ``ALTPAY_HEADER_TIMEOUT`` seconds of opening (or of the request's first byte) is
closed. Past ``ALTPAY_MAX_CONNECTIONS`` open connections (or requests running), a request
is answered 503 ``unavailable`` with ``Retry-After``, an ``HttpError`` like every other
error (uvicorn's own ``limit_concurrency`` answers plain text).
"""

from __future__ import annotations

import asyncio
import functools
import socket
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from altpay.core.errors import RETRY_UNAVAILABLE_AFTER
from altpay.core.settings import Settings


@functools.cache
def _limits() -> tuple[float, int]:
    # Read in each worker process (a class attribute set in the supervisor would not reach
    # a spawned worker).
    settings = Settings()
    return settings.header_timeout, settings.max_connections


_TOO_MANY_BODY = (
    b'{"code":"unavailable","message":"Too many connections; retry later.","validation_errors":{}}'
)


async def _too_many_connections(_scope: Any, _receive: Any, send: Any) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_TOO_MANY_BODY)).encode()),
        (b"retry-after", str(RETRY_UNAVAILABLE_AFTER).encode()),
        (b"cache-control", b"no-store"),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": _TOO_MANY_BODY})


def _send_without_delay(transport: asyncio.Transport) -> None:
    """``TCP_NODELAY`` on the connection: uvicorn writes a response's head and body apart, and
    with Nagle's algorithm on, the body waits for the client's delayed ACK of the head (40 ms
    here). asyncio sets it only on sockets whose protocol number is TCP's, and the listening
    socket uvicorn binds for several workers has none: every answer of ``--workers 2`` took
    44 ms (docs/performance.md)."""
    connection = transport.get_extra_info("socket")
    if connection is not None and connection.family in (socket.AF_INET, socket.AF_INET6):
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class HeaderTimeoutProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def _start_header_timer(self) -> None:
        self._stop_header_timer()
        self._header_timer = self.loop.call_later(_limits()[0], self._headers_too_slow)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _send_without_delay(transport)
        self._start_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_header_timer()

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        limit = _limits()[1]
        if len(self.connections) <= limit and len(self.tasks) < limit:
            super().on_headers_complete()
            return
        # This request alone is answered by the 503 app (uvicorn hands the cycle its app).
        app, self.app = self.app, _too_many_connections
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Idle from here: uvicorn's keep-alive timeout takes over until the next request.
        self._stop_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)
