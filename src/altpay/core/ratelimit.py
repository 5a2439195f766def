"""Per-key request rates, counted by the ``limits`` library (a moving window)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter


class RateLimiter:
    def __init__(self, per_second: int) -> None:
        self._item = RateLimitItemPerSecond(per_second, 1)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def retry_after(self, key: str) -> int | None:
        """Counts one request for ``key``: None when allowed, else seconds to wait."""
        if await self._limiter.hit(self._item, key):
            return None
        stats = await self._limiter.get_window_stats(self._item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
