"""Who is calling, as dependency aliases (``CustomersRead``, ``CustomersWrite``), and what
auth holds for the process to answer it fast: the token service, its caches, the limits.

One dependency per alias does everything (token, revocation, scope, rate): FastAPI's work for
each level of a dependency tree was the largest cost of a read left after the database
(docs/performance.md). The served OpenAPI document is altpay.openapi's, so no security
scheme object is needed in the tree for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security.utils import get_authorization_scheme_param

from altpay.auth import repository
from altpay.auth.errors import Forbidden, Unauthorized
from altpay.auth.tokens import (
    SCOPE_READ,
    SCOPE_WEBHOOKS_READ,
    SCOPE_WEBHOOKS_WRITE,
    SCOPE_WRITE,
    Principal,
    TokenService,
)
from altpay.core.db import Database, reading
from altpay.core.errors import RateLimited, raises
from altpay.core.http.connections import database_of
from altpay.core.http.simulate import simulate
from altpay.core.ratelimit import RateLimiter
from altpay.core.settings import Settings, resolve_signing_keys


@dataclass
class ClientStatusCache:
    """Whether each client is still enabled, re-read from the database every ``ttl`` seconds."""

    ttl: float
    _checked: dict[str, tuple[bool, float]] = field(default_factory=dict)

    async def is_active(self, client_id: str, database: Database) -> bool:
        now = time.monotonic()
        cached = self._checked.get(client_id)
        if cached is not None and now - cached[1] < self.ttl:
            return cached[0]
        async with reading(database) as connection:
            active = await repository.client_is_active(connection, client_id)
        self._checked[client_id] = (active, now)
        return active


@dataclass
class VerifiedTokens:
    """Access tokens already verified: each token is parsed once.

    A client sends the same token for up to an hour; verifying its signature and claims on
    every request was the largest single cost of an API request (docs/performance.md). A
    token is a fixed signed string and the verification keys are fixed for the process, so
    a token that verified once stays valid until its ``exp``, which is checked on every hit.
    Revocation is unaffected: the client's enabled state is checked per request as before.
    """

    tokens: TokenService
    capacity: int = 4096
    _verified: dict[str, Principal] = field(default_factory=dict)

    def verify(self, token: str) -> Principal:
        """The token's principal, or ``Unauthorized`` as ``TokenService.verify`` raises it."""
        known = self._verified.get(token)
        if known is not None and time.time() < known.expires_at:
            return known
        principal = self.tokens.verify(token)  # raises for an invalid or expired token
        if len(self._verified) >= self.capacity:
            self._verified.clear()
        self._verified[token] = principal
        return principal


@dataclass
class AuthRuntime:
    tokens: TokenService
    verified_tokens: VerifiedTokens
    client_status: ClientStatusCache
    api_limiter: RateLimiter | None
    token_limiter: RateLimiter | None
    # The sandbox's Altpay-Simulate header is honoured (altpay.core.http.simulate).
    simulates_faults: bool
    rate_limit: int

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthRuntime:
        tokens = TokenService(
            resolve_signing_keys(settings).all(),
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            lifetime=settings.token_lifetime,
        )
        rate, redis = settings.rate_limit, settings.redis_url
        return cls(
            tokens=tokens,
            verified_tokens=VerifiedTokens(tokens),
            client_status=ClientStatusCache(ttl=settings.client_status_ttl),
            api_limiter=RateLimiter(rate, redis_url=redis, scope="api") if rate else None,
            token_limiter=RateLimiter(rate, redis_url=redis, scope="token") if rate else None,
            simulates_faults=settings.sandbox_enabled,
            rate_limit=rate,
        )


def auth_of(request: Request) -> AuthRuntime:
    auth: AuthRuntime = request.app.state.auth
    return auth


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


# Every operation that takes a bearer token depends on one of these (the served document
# looks for them: such an operation is one Altpay-Simulate applies to).
BEARER_CHECKS: list[Any] = []


def _requiring(scope: str) -> Any:
    @raises(Unauthorized, Forbidden, RateLimited)
    async def authorize(request: Request) -> Principal:
        principal = await _authenticated(request)
        if scope not in principal.scopes:
            raise Forbidden(
                f"This operation requires the {scope} scope.", headers=_INSUFFICIENT_SCOPE
            )
        auth = auth_of(request)
        if auth.api_limiter is not None:
            rate = await auth.api_limiter.count(f"client:{principal.client_id}")
            if rate is not None:
                rate.remember(request.state)
                if not rate.allowed:
                    raise RateLimited(headers={"Retry-After": str(rate.retry_after)})
        if auth.simulates_faults:
            await simulate(request, rate_limit=auth.rate_limit)
        return principal

    BEARER_CHECKS.append(authorize)
    return Depends(authorize)


CustomersRead = Annotated[Principal, _requiring(SCOPE_READ)]
CustomersWrite = Annotated[Principal, _requiring(SCOPE_WRITE)]
WebhooksRead = Annotated[Principal, _requiring(SCOPE_WEBHOOKS_READ)]
WebhooksWrite = Annotated[Principal, _requiring(SCOPE_WEBHOOKS_WRITE)]
