"""Per-key request rates, counted by the ``limits`` library (a moving window).

In process memory by default; in Redis when ``ALTPAY_REDIS_URL`` is set, so that every
worker and host shares one count. If Redis cannot be reached the limiter fails open: the
request is served, and the failure is logged and counted.

Every answer of a rate-limited route, 2xx and 429 alike, carries the IETF ``RateLimit-Policy``
and ``RateLimit`` headers (draft-ietf-httpapi-ratelimit-headers): ``Rate.remember`` puts
them in the request's state where the limit is applied, and the request middleware adds
them to whatever answer the request gets.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from altpay.core import metrics

logger = logging.getLogger("altpay.ratelimit")

# A rate check must never hold a request up for long: Redis answers in well under this.
REDIS_TIMEOUT_SECONDS = 0.25


def _storage(redis_url: str | None) -> Storage:
    if redis_url is None:
        return MemoryStorage()
    return RedisStorage(
        f"async+{redis_url}",
        wrap_exceptions=True,
        implementation="redispy",
        key_prefix="altpay",
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )


# Where ``Rate.remember`` leaves the headers, in the ASGI scope's state.
RATE_HEADERS_STATE = "rate_limit_headers"


@dataclass(frozen=True, slots=True)
class Rate:
    """One counted request: the policy, what is left of its quota and when it resets."""

    policy: str
    quota: int
    window: int  # seconds
    remaining: int
    reset: int  # seconds until the quota is whole again

    @classmethod
    def refused(cls, policy: str, quota: int) -> Rate:
        """A refusal with none of the quota left, whole again in a second (what the sandbox's
        simulated 429 reports)."""
        return cls(policy, quota=quota, window=1, remaining=-1, reset=1)

    @property
    def allowed(self) -> bool:
        return self.remaining >= 0

    @property
    def retry_after(self) -> int:
        return max(1, self.reset)

    def headers(self) -> dict[str, str]:
        """``RateLimit-Policy`` and ``RateLimit`` (a refusal adds its own ``Retry-After``)."""
        return {
            "RateLimit-Policy": f'"{self.policy}";q={self.quota};w={self.window}',
            "RateLimit": f'"{self.policy}";r={max(0, self.remaining)};t={self.reset}',
        }

    def remember(self, state: Any) -> None:
        """Leaves the headers for the request middleware to add to the answer, whichever
        answer (2xx, 429, or another error) the request gets."""
        setattr(state, RATE_HEADERS_STATE, self.headers())


def tightest(rates: list[Rate | None]) -> Rate | None:
    """Of several limits applied to one request, the one to report: a refusing one first,
    else the one with the least left."""
    counted = [rate for rate in rates if rate is not None]
    return min(counted, key=lambda rate: (rate.allowed, rate.remaining), default=None)


class RateLimiter:
    def __init__(self, per_second: int, *, redis_url: str | None = None, scope: str) -> None:
        self._item = RateLimitItemPerSecond(per_second, 1)
        self._limiter = MovingWindowRateLimiter(_storage(redis_url))
        self._scope = scope

    async def count(self, key: str) -> Rate | None:
        """Counts one request for ``key`` (``allowed`` or not); None when the store failed
        (the request is allowed, with no rate headers)."""
        try:
            allowed = await self._limiter.hit(self._item, key)
            stats = await self._limiter.get_window_stats(self._item, key)
        except StorageError as error:
            logger.warning("rate-limit store unreachable; allowing the request: %s", error)
            metrics.RATE_LIMIT_STORE_ERRORS.inc()
            return None
        if not allowed:
            metrics.RATE_LIMIT_REJECTIONS.labels(scope=self._scope).inc()
        return Rate(
            policy=self._scope,
            quota=self._item.amount,
            window=1,
            remaining=stats.remaining if allowed else -1,
            reset=max(0, math.ceil(stats.reset_time - time.time())),
        )
