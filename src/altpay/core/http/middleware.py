"""Per request: its id, ``Cache-Control: no-store``, the rate-limit headers, ``HEAD`` as
``GET``, a clean 500 (a 503 when the server gives up on it), the access line, metrics.

A log line never carries a secret, a token, a cursor or an e-mail address: the access line
names the route template (``/customers/{id}``), never the URL with its query.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from altpay.core import metrics
from altpay.core.errors import RETRY_UNAVAILABLE_AFTER
from altpay.core.http.connections import close_reads
from altpay.core.observability import request_id_var
from altpay.core.ratelimit import RATE_HEADERS_STATE

logger = logging.getLogger("altpay")
access_logger = logging.getLogger("altpay.access")

UNMATCHED_ROUTE = "unmatched"

_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_INTERNAL_ERROR_BODY = (
    b'{"code":"internal_error","message":"An internal error occurred.","validation_errors":{}}'
)
_CANCELLED_BODY = (
    b'{"code":"unavailable","message":"The server is shutting down; retry the request.",'
    b'"validation_errors":{}}'
)


class RequestMiddleware:
    """Per request: its id, ``Cache-Control: no-store``, a clean 500 for anything unexpected,
    then the access line and the metrics.

    Pure ASGI, outermost, so that it also covers responses produced by errors; one layer for
    all of it, since each layer wraps ``send`` again on every request (docs/performance.md).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id_of(scope)
        text_id = request_id.decode()
        state = scope.setdefault("state", {})
        state["request_id"] = text_id
        request_id_var.set(text_id)
        status = 0  # until the response starts
        method = scope["method"]
        head = method == "HEAD"
        if head:  # RFC 9110 9.3.2: answered as GET, the same status and headers, no body
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name not in (b"x-request-id", b"cache-control")
                ]
                headers += [(b"x-request-id", request_id), (b"cache-control", b"no-store")]
                rate_headers = state.get(RATE_HEADERS_STATE)
                if rate_headers is not None:  # a rate-limited route's (core/ratelimit.py)
                    headers += [(k.encode(), v.encode()) for k, v in rate_headers.items()]
                message["headers"] = headers
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unhandled error", extra={"request_id": text_id})
            if status:
                raise
            await _send_internal_error(send_with_headers)
        except asyncio.CancelledError:
            # The server gave up on the request (past ALTPAY_SHUTDOWN_GRACE): its transaction
            # is rolled back on the way out, and the client gets a 503 to retry elsewhere,
            # not the server's own plain-text 500.
            if not status:
                logger.warning("request cancelled", extra={"request_id": text_id})
                with contextlib.suppress(Exception):
                    await _send_error(send_with_headers, 503, _CANCELLED_BODY, retry_after=True)
            raise
        finally:
            await close_reads(state)
            record_request(scope, method, status or 500, time.perf_counter() - started)


def _request_id_of(scope: Scope) -> bytes:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"x-request-id" and _SANE_REQUEST_ID.fullmatch(value):
            return value
    # 32 random hex digits, as uuid4().hex without building a UUID (a sixth of the cost).
    return secrets.token_hex(16).encode()


async def _send_internal_error(send: Any) -> None:
    await _send_error(send, 500, _INTERNAL_ERROR_BODY)


async def _send_error(send: Any, status: int, body: bytes, *, retry_after: bool = False) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after:
        headers.append((b"retry-after", str(RETRY_UNAVAILABLE_AFTER).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# The labelled metric children of each (method, route, status): ``labels()`` looks them up
# under a lock on every call. Bounded, since a client chooses the method.
_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_MAX_CHILDREN = 1000


def _metrics_of(method: str, route: str, status: int) -> tuple[Any, Any]:
    key = (method, route, status)
    children = _children.get(key)
    if children is None:
        children = (
            metrics.REQUESTS.labels(method=method, route=route, status=str(status)),
            metrics.LATENCY.labels(method=method, route=route),
        )
        if len(_children) < _MAX_CHILDREN:
            _children[key] = children
    return children


def record_request(scope: Scope, method: str, status: int, seconds: float) -> None:
    """The access line and the metrics of an answered request."""
    route = getattr(scope.get("route"), "path", UNMATCHED_ROUTE)
    requests, latency = _metrics_of(method, route, status)
    requests.inc()
    latency.observe(seconds)
    state: dict[str, Any] = scope.get("state", {})
    access_logger.info(
        "request",
        extra={
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "client_id": state.get("client_id"),
            "account_id": state.get("account_id"),
        },
    )
