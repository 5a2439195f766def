"""The one place where errors become HTTP responses, and the request-wide middleware.

Every error a client sees outside ``/oauth/token`` is an ``HttpError`` body; that includes
routing errors (404/405), parameter errors and anything unexpected (500).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from altpay.core.errors import (
    AppError,
    IdempotentReplay,
    InvalidParameter,
    MethodNotAllowed,
    NotFound,
    OAuthError,
)
from altpay.core.observability import record_request, request_id_var

logger = logging.getLogger("altpay")

REQUEST_ID_HEADER = "x-request-id"
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_INTERNAL_ERROR_BODY = (
    b'{"code":"internal_error","message":"An internal error occurred.","validation_errors":{}}'
)


def error_response(error: AppError) -> JSONResponse:
    return JSONResponse(error.document(), status_code=error.status, headers=error.headers)


async def _app_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AppError)
    return error_response(error)


async def _oauth_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, OAuthError)
    return JSONResponse(
        {"error": error.error, "error_description": error.description},
        status_code=error.status,
        headers={**error.headers, "Pragma": "no-cache"},
    )


async def _replay(_request: Request, replay: Exception) -> Response:
    assert isinstance(replay, IdempotentReplay)
    headers = {"Idempotent-Replayed": "true"}
    if replay.location:
        headers["Location"] = replay.location
    return Response(
        replay.body, status_code=replay.status, headers=headers, media_type="application/json"
    )


async def _routing_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 405:
        allow = ", ".join(_methods_of_path(request.app, request.scope))
        return error_response(MethodNotAllowed(headers={"Allow": allow}))
    return error_response(NotFound())


def _methods_of_path(app: FastAPI, scope: Scope) -> list[str]:
    path = scope["path"]
    index: list[tuple[re.Pattern[str], set[str]]] = app.state.route_methods
    allowed = {method for pattern, methods in index if pattern.match(path) for method in methods}
    return sorted(allowed)


def index_route_methods(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Remembers every path's methods, for the ``Allow`` header of a 405."""
    routes = [*app.router.routes, *(route for router in routers for route in router.routes)]
    app.state.route_methods = [
        (route.path_regex, set(route.methods or ()))
        for route in routes
        if isinstance(route, Route | APIRoute)
    ]


async def _parameter_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems: dict[str, str] = {}
    for item in error.errors():
        location = item.get("loc", ())
        name = str(location[-1]) if location else "request"
        problems.setdefault(name, str(item.get("msg", "is invalid")))
    return error_response(InvalidParameter(validation_errors=problems))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(OAuthError, _oauth_error)
    app.add_exception_handler(IdempotentReplay, _replay)
    app.add_exception_handler(StarletteHTTPException, _routing_error)
    app.add_exception_handler(RequestValidationError, _parameter_error)


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
        scope.setdefault("state", {})["request_id"] = text_id
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
