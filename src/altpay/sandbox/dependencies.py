"""Who may create a tenant: the holder of ALTPAY_SANDBOX_ADMIN_TOKEN, or a loopback peer when
none is set (a CI job that has only the sandbox's URL sets the token)."""

from __future__ import annotations

from fastapi import Request

from altpay.core.errors import raises
from altpay.core.http.access import from_loopback, presents_bearer
from altpay.core.http.connections import runtime_of
from altpay.sandbox.errors import AdminFromLoopbackOnly, AdminTokenRequired


@raises(AdminTokenRequired, AdminFromLoopbackOnly)
async def sandbox_admin(request: Request) -> None:
    token = runtime_of(request).settings.sandbox_admin_token
    if token is None:
        if not from_loopback(request):
            raise AdminFromLoopbackOnly()
    elif not presents_bearer(request, token):
        raise AdminTokenRequired(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
