"""What a running service holds for its lifetime: built once from the settings."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field

from fastapi import Request

from altpay.auth import repository as auth_repository
from altpay.auth.tokens import Principal, TokenService, derive_key
from altpay.core.db import Database, open_database
from altpay.core.migrate import head_revision
from altpay.core.pagination import CursorCodec
from altpay.core.ratelimit import RateLimiter
from altpay.settings import Settings, resolve_signing_keys


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
        async with database.transaction(write=False) as connection:
            active = await auth_repository.client_is_active(connection, client_id)
        self._checked[client_id] = (active, now)
        return active


@dataclass
class VerifiedTokens:
    """Access tokens already verified, with their expiry: each token is parsed once.

    A client sends the same token for up to an hour; verifying its signature and claims on
    every request was the largest single cost of an API request (docs/performance.md). A
    token is a fixed signed string and the verification keys are fixed for the process, so
    a token that verified once stays valid until its ``exp``, which is checked on every hit.
    Revocation is unaffected: the client's enabled state is checked per request as before.
    """

    tokens: TokenService
    capacity: int = 4096
    _verified: dict[str, tuple[Principal, float]] = field(default_factory=dict)

    def verify(self, token: str) -> Principal:
        """The token's principal, or ``Unauthorized`` as ``TokenService.verify`` raises it."""
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        principal = self.tokens.verify(token)  # raises for an invalid or expired token
        if len(self._verified) >= self.capacity:
            self._verified.clear()
        self._verified[token] = (principal, _expiry(token))
        return principal


def _expiry(token: str) -> float:
    """The ``exp`` of a token that has just been verified (so it is well-formed)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return float(claims["exp"])


@dataclass
class Runtime:
    settings: Settings
    database: Database
    tokens: TokenService
    cursors: CursorCodec
    client_status: ClientStatusCache
    api_limiter: RateLimiter | None
    token_limiter: RateLimiter | None
    schema_revision: str
    verified_tokens: VerifiedTokens = field(init=False)

    def __post_init__(self) -> None:
        self.verified_tokens = VerifiedTokens(self.tokens)

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        master_keys = resolve_signing_keys(settings).all()
        rate, redis = settings.rate_limit, settings.redis_url
        return cls(
            settings=settings,
            database=open_database(settings),
            tokens=TokenService(
                master_keys,
                issuer=settings.token_issuer,
                audience=settings.token_audience,
                lifetime=settings.token_lifetime,
            ),
            cursors=CursorCodec([derive_key(master, "cursor") for master in master_keys]),
            client_status=ClientStatusCache(ttl=settings.client_status_ttl),
            api_limiter=RateLimiter(rate, redis_url=redis, scope="api") if rate else None,
            token_limiter=RateLimiter(rate, redis_url=redis, scope="token") if rate else None,
            schema_revision=head_revision(),
        )


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
