"""What auth holds for the service's lifetime: the token service, its caches, rate limits."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from altpay.auth.caches import ClientStatusCache, VerifiedTokens
from altpay.auth.tokens import TokenService
from altpay.core.ratelimit import RateLimiter
from altpay.core.settings import Settings, resolve_signing_keys


@dataclass
class AuthRuntime:
    tokens: TokenService
    verified_tokens: VerifiedTokens
    client_status: ClientStatusCache
    api_limiter: RateLimiter | None
    token_limiter: RateLimiter | None

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
        )


def auth_of(request: Request) -> AuthRuntime:
    auth: AuthRuntime = request.app.state.auth
    return auth
