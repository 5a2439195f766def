"""uvicorn's HTTP protocol (httptools) with a header timeout, for slow clients.

uvicorn closes a keep-alive connection idle for ``timeout_keep_alive``, but it gives a client
all the time it wants to send a request's headers: a connection sending a byte a second
would stay open for ever. Here a connection that has not completed a request's headers
within ``ALTPAY_HEADER_TIMEOUT`` seconds of opening (or of the request's first byte) is
closed.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from altpay.core.settings import Settings


@functools.cache
def _header_timeout() -> float:
    # Read in each worker process (a class attribute set in the supervisor would not reach
    # a spawned worker).
    return Settings().header_timeout


class HeaderTimeoutProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def _start_header_timer(self) -> None:
        self._stop_header_timer()
        self._header_timer = self.loop.call_later(_header_timeout(), self._headers_too_slow)

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
        self._start_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_header_timer()

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # Idle from here: uvicorn's keep-alive timeout takes over until the next request.
        self._stop_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)
