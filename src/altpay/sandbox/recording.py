"""The request log's recorder: an ASGI middleware that hands each answered request of a known
account (one whose token, or whose client credentials, the request carried) to the log's
writer, once the answer is sent. Reading the log itself is not logged.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from altpay.core.timestamps import utc_now
from altpay.sandbox import service
from altpay.sandbox.models import MAX_PATH_LENGTH
from altpay.sandbox.redaction import KEPT_BYTES, kept, redacted
from altpay.sandbox.writer import RequestLogWriter

LOG_PATH = "/sandbox/requests"
# Read past what is kept, so that a secret that crosses the cut is still seen whole.
_CAPTURED_BYTES = KEPT_BYTES + 4096


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, writer: RequestLogWriter) -> None:
        self.app = app
        self.writer = writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == LOG_PATH:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        received_at, started = utc_now(), time.perf_counter()
        request_body, response_body = bytearray(), bytearray()
        status = 0

        async def receive_recorded() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                _keep(request_body, message.get("body", b""))
            return message

        async def send_recorded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                _keep(response_body, message.get("body", b""))
            await send(message)
            account_id = state.get("account_id")
            finished = message["type"] == "http.response.body" and not message.get("more_body")
            if finished and account_id is not None:
                self.writer.record(
                    service.Exchange(
                        account_id=account_id,
                        request_id=str(state.get("request_id", "")),
                        method=scope["method"],
                        path=scope["path"][:MAX_PATH_LENGTH],
                        query=redacted(scope["query_string"].decode("latin-1")),
                        status=status,
                        duration_us=round((time.perf_counter() - started) * 1_000_000),
                        received_at=received_at,
                        request_body=kept(bytes(request_body)),
                        response_body=kept(bytes(response_body)),
                    )
                )

        await self.app(scope, receive_recorded, send_recorded)


def _keep(buffer: bytearray, chunk: bytes) -> None:
    room = _CAPTURED_BYTES - len(buffer)
    if room > 0:
        buffer.extend(chunk[:room])
