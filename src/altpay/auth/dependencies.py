"""Who is calling, as dependency aliases: ``CustomersRead`` and ``CustomersWrite``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2
from fastapi.security.utils import get_authorization_scheme_param

from altpay.auth.tokens import SCOPE_READ, SCOPE_WRITE, Principal
from altpay.core.errors import Forbidden, RateLimited, Unauthorized
from altpay.runtime import runtime_of

_oauth2 = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl="/oauth/token",
            scopes={
                SCOPE_READ: "Read customers, their users and payment methods",
                SCOPE_WRITE: "Create, change, archive and restore customers and their users",
            },
        )
    ),
    scheme_name="OAuth2ClientCredentials",
    auto_error=False,
)

_NO_CREDENTIALS = {"WWW-Authenticate": "Bearer"}
_INVALID_TOKEN = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
_INSUFFICIENT_SCOPE = {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}


async def _authenticated(
    request: Request, authorization: Annotated[str | None, Depends(_oauth2)]
) -> Principal:
    if authorization is None:
        raise Unauthorized(headers=_NO_CREDENTIALS)
    scheme, token = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "The Authorization header must be 'Bearer <token>'.", headers=_INVALID_TOKEN
        )
    runtime = runtime_of(request)
    try:
        principal = runtime.verified_tokens.verify(token)
    except Unauthorized as error:
        raise Unauthorized(error.message, headers=_INVALID_TOKEN) from error
    if not await runtime.client_status.is_active(principal.client_id, runtime.database):
        raise Unauthorized("The access token has been revoked.", headers=_INVALID_TOKEN)
    request.state.client_id = principal.client_id
    request.state.account_id = principal.account_id
    return principal


def _requiring(scope: str) -> Any:
    async def authorize(
        request: Request, principal: Annotated[Principal, Depends(_authenticated)]
    ) -> Principal:
        if scope not in principal.scopes:
            raise Forbidden(
                f"This operation requires the {scope} scope.", headers=_INSUFFICIENT_SCOPE
            )
        limiter = runtime_of(request).api_limiter
        if limiter is not None:
            retry_after = await limiter.retry_after(f"client:{principal.client_id}")
            if retry_after is not None:
                raise RateLimited(headers={"Retry-After": str(retry_after)})
        return principal

    return Security(authorize, scopes=[scope])


CustomersRead = Annotated[Principal, _requiring(SCOPE_READ)]
CustomersWrite = Annotated[Principal, _requiring(SCOPE_WRITE)]
