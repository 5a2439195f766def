"""Per-key request rates, counted by the ``limits`` library (a moving window).

In process memory by default; in Redis when ``ALTPAY_REDIS_URL`` is set, so that every
worker and host shares one count. If Redis cannot be reached the limiter fails open: the
request is served, and the failure is logged and counted.
"""

from __future__ import annotations

import logging
import math
import time

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


class RateLimiter:
    def __init__(self, per_second: int, *, redis_url: str | None = None, scope: str) -> None:
        self._item = RateLimitItemPerSecond(per_second, 1)
        self._limiter = MovingWindowRateLimiter(_storage(redis_url))
        self._scope = scope

    async def retry_after(self, key: str) -> int | None:
        """Counts one request for ``key``: None when allowed, else seconds to wait."""
        try:
            if await self._limiter.hit(self._item, key):
                return None
            stats = await self._limiter.get_window_stats(self._item, key)
        except StorageError as error:
            logger.warning("rate-limit store unreachable; allowing the request: %s", error)
            metrics.RATE_LIMIT_STORE_ERRORS.inc()
            return None
        metrics.RATE_LIMIT_REJECTIONS.labels(scope=self._scope).inc()
        return max(1, math.ceil(stats.reset_time - time.time()))
