"""The request log's recorder: an ASGI middleware that hands each answered request of a known
account (one whose token, or whose client credentials, the request carried) to the log's
writer, once the answer is sent. Reading the log itself is not logged.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from altpay.core.http.body import MAX_BODY_BYTES
from altpay.core.timestamps import utc_now
from altpay.sandbox import service
from altpay.sandbox.models import MAX_PATH_LENGTH
from altpay.sandbox.redaction import kept, kept_query, redacted
from altpay.sandbox.writer import RequestLogWriter

LOG_PATH = "/sandbox/requests"
# A body is read whole (the API refuses larger ones) and redacted before it is cut, so that
# no part of a secret that crosses the cut is kept.
_CAPTURED_BYTES = MAX_BODY_BYTES


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
                        path=redacted(scope["path"])[:MAX_PATH_LENGTH],
                        query=kept_query(scope["query_string"]),
                        status=status,
                        duration_us=round((time.perf_counter() - started) * 1_000_000),
                        created_at=received_at,
                        request_body=kept(bytes(request_body)),
                        response_body=kept(bytes(response_body)),
                    )
                )

        await self.app(scope, receive_recorded, send_recorded)


def _keep(buffer: bytearray, chunk: bytes) -> None:
    room = _CAPTURED_BYTES - len(buffer)
    if room > 0:
        buffer.extend(chunk[:room])
