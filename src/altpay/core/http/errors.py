"""The one place where errors become HTTP responses.

Every error a client sees outside ``/oauth/token`` is an ``HttpError`` body; that includes
routing errors (404/405), parameter errors, the database unavailable (503) and anything
unexpected (500).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route
from starlette.types import Scope

from altpay.core.db.errors import DatabaseUnavailable, StatementTimeout
from altpay.core.errors import (
    RETRY_UNAVAILABLE_AFTER,
    AppError,
    FinishedResponse,
    ForeignError,
    InvalidParameter,
    MethodNotAllowed,
    NotFound,
    Unavailable,
)


def error_response(error: AppError) -> JSONResponse:
    return JSONResponse(error.document(), status_code=error.status, headers=error.headers)


async def _app_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AppError)
    return error_response(error)


async def _database_unavailable(_request: Request, error: Exception) -> JSONResponse:
    """The database gone, no connection free in time, or a statement cancelled by its
    timeout: a 503 the client may retry, from whichever route or dependency met it."""
    assert isinstance(error, DatabaseUnavailable | StatementTimeout)
    message = (
        "The database did not answer in time; retry later."
        if isinstance(error, StatementTimeout)
        else "The database is unavailable; retry later."
    )
    headers = {"Retry-After": str(RETRY_UNAVAILABLE_AFTER)}
    return error_response(Unavailable(message, headers=headers))


async def _foreign_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ForeignError)
    return JSONResponse(error.body, status_code=error.status, headers=error.headers)


async def _finished(_request: Request, finished: Exception) -> Response:
    assert isinstance(finished, FinishedResponse)
    return Response(
        finished.body,
        status_code=finished.status,
        headers=finished.headers,
        media_type="application/json",
    )


async def _routing_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 405:
        allow = ", ".join(_methods_of_path(request.app, request.scope))
        return error_response(MethodNotAllowed(headers={"Allow": allow}))
    return error_response(NotFound())


def _methods_of_path(app: FastAPI, scope: Scope) -> list[str]:
    """The methods of the path's own routes: where a literal path (``…/payment-methods/card``)
    and a template (``…/payment-methods/{method_id}``) both match, the literal one's, as the
    document lists them."""
    path = scope["path"]
    index: list[tuple[re.Pattern[str], set[str], int]] = app.state.route_methods
    matching = [
        (methods, parameters) for pattern, methods, parameters in index if pattern.match(path)
    ]
    fewest = min((parameters for _methods, parameters in matching), default=0)
    allowed = {
        method for methods, parameters in matching if parameters == fewest for method in methods
    }
    return sorted(allowed)


def index_route_methods(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Remembers every path's methods, for the ``Allow`` header of a 405."""
    routes = [*app.router.routes, *(route for router in routers for route in router.routes)]
    app.state.route_methods = [
        (route.path_regex, set(route.methods or ()), len(route.param_convertors))
        for route in routes
        if isinstance(route, Route | APIRoute)
    ]


async def _parameter_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems: dict[str, str] = {}
    kinds: set[str] = set()
    for item in error.errors():
        location = item.get("loc", ())
        name = str(location[-1]) if location else "request"
        kinds.add(str(location[0]) if len(location) > 1 else "")
        problems.setdefault(name, str(item.get("msg", "is invalid")))
    return error_response(
        InvalidParameter(_INPUT_KINDS.get(tuple(kinds)), validation_errors=problems)
    )


# The message of a parameter error names the kind of input that was wrong.
_INPUT_KINDS: dict[tuple[str, ...], str] = {
    ("query",): "A query parameter is malformed or out of range.",
    ("header",): "A header is malformed or out of range.",
    ("path",): "A path parameter is malformed or out of range.",
    ("cookie",): "A cookie is malformed or out of range.",
}


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(ForeignError, _foreign_error)
    app.add_exception_handler(DatabaseUnavailable, _database_unavailable)
    app.add_exception_handler(StatementTimeout, _database_unavailable)
    app.add_exception_handler(FinishedResponse, _finished)
    app.add_exception_handler(StarletteHTTPException, _routing_error)
    app.add_exception_handler(RequestValidationError, _parameter_error)
