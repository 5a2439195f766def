"""Who may create a tenant: the holder of ALTPAY_SANDBOX_ADMIN_TOKEN, or a loopback peer when
none is set (a CI job that has only the sandbox's URL sets the token); and the request log's
writer, for a read of the log to wait on."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from altpay.core.errors import raises
from altpay.core.http.access import from_loopback, presents_bearer
from altpay.core.http.connections import runtime_of
from altpay.sandbox.errors import AdminFromLoopbackOnly, AdminTokenRequired
from altpay.sandbox.writer import RequestLogWriter


@raises(AdminTokenRequired, AdminFromLoopbackOnly)
async def sandbox_admin(request: Request) -> None:
    token = runtime_of(request).settings.sandbox_admin_token
    if token is None:
        if not from_loopback(request):
            raise AdminFromLoopbackOnly()
    elif not presents_bearer(request, token):
        raise AdminTokenRequired(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


async def _request_log(request: Request) -> RequestLogWriter | None:
    writer: RequestLogWriter | None = request.app.state.request_log
    return writer


# The writer of this worker's request log; None when ALTPAY_REQUEST_LOG is off.
RequestLog = Annotated[RequestLogWriter | None, Depends(_request_log)]
