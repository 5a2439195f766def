"""Per request: its id, ``Cache-Control: no-store``, the rate-limit headers, a clean 500,
the access line, metrics.

A log line never carries a secret, a token, a cursor or an e-mail address: the access line
names the route template (``/customers/{id}``), never the URL with its query.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from altpay.core import metrics
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
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unhandled error", extra={"request_id": text_id})
            if status:
                raise
            await _send_internal_error(send_with_headers)
        finally:
            await close_reads(state)
            record_request(scope, status or 500, time.perf_counter() - started)


def _request_id_of(scope: Scope) -> bytes:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"x-request-id" and _SANE_REQUEST_ID.fullmatch(value):
            return value
    # 32 random hex digits, as uuid4().hex without building a UUID (a sixth of the cost).
    return secrets.token_hex(16).encode()


async def _send_internal_error(send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_INTERNAL_ERROR_BODY)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _INTERNAL_ERROR_BODY})


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


def record_request(scope: Scope, status: int, seconds: float) -> None:
    """The access line and the metrics of an answered request."""
    route = getattr(scope.get("route"), "path", UNMATCHED_ROUTE)
    method = scope["method"]
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
