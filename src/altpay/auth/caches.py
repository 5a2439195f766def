"""What auth remembers in each process: tokens already verified, clients' enabled state."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from altpay.auth import repository
from altpay.auth.tokens import Principal, TokenService
from altpay.core.db import Database, reading


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
