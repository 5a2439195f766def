"""Who is calling, as dependency aliases: ``CustomersRead`` and ``CustomersWrite``.

One dependency per alias does everything (token, revocation, scope, rate): FastAPI's work for
each level of a dependency tree was the largest cost of a read left after the database
(docs/performance.md). The served OpenAPI document is altpay.openapi's, so no security
scheme object is needed in the tree for it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security.utils import get_authorization_scheme_param

from altpay.auth.errors import Forbidden, Unauthorized
from altpay.auth.runtime import auth_of
from altpay.auth.tokens import SCOPE_READ, SCOPE_WRITE, Principal
from altpay.core.errors import RateLimited, raises
from altpay.core.http.connections import database_of

_NO_CREDENTIALS = {"WWW-Authenticate": "Bearer"}
_INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
_INSUFFICIENT_SCOPE = {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}


async def _authenticated(request: Request) -> Principal:
    authorization = request.headers.get("authorization")
    if not authorization:
        raise Unauthorized(headers=_NO_CREDENTIALS)
    scheme, token = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "The Authorization header must be 'Bearer <token>'.", headers=_INVALID_TOKEN
        )
    auth = auth_of(request)
    try:
        principal = auth.verified_tokens.verify(token)
    except Unauthorized as error:
        raise Unauthorized(error.message, headers=_INVALID_TOKEN) from error
    if not await auth.client_status.is_active(principal.client_id, database_of(request)):
        raise Unauthorized("The access token has been revoked.", headers=_INVALID_TOKEN)
    request.state.client_id = principal.client_id
    request.state.account_id = principal.account_id
    return principal


def _requiring(scope: str) -> Any:
    @raises(Unauthorized, Forbidden, RateLimited)
    async def authorize(request: Request) -> Principal:
        principal = await _authenticated(request)
        if scope not in principal.scopes:
            raise Forbidden(
                f"This operation requires the {scope} scope.", headers=_INSUFFICIENT_SCOPE
            )
        limiter = auth_of(request).api_limiter
        if limiter is not None:
            retry_after = await limiter.retry_after(f"client:{principal.client_id}")
            if retry_after is not None:
                raise RateLimited(headers={"Retry-After": str(retry_after)})
        return principal

    return Depends(authorize)


CustomersRead = Annotated[Principal, _requiring(SCOPE_READ)]
CustomersWrite = Annotated[Principal, _requiring(SCOPE_WRITE)]
