"""Client secrets: 256 random bits, shown once, kept only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

SECRET_PREFIX = "sk_"


@dataclass(frozen=True, slots=True)
class HashedSecret:
    key: str
    digest: str


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _digest(key: str, secret: str) -> str:
    return hmac.new(bytes.fromhex(key), secret.encode(), hashlib.sha256).hexdigest()


def hash_secret(secret: str) -> HashedSecret:
    # A fast keyed hash is right for a random 256-bit secret: nothing to brute-force, and a
    # slow password hash would cap the token endpoint at tens of requests a second.
    key = secrets.token_hex(32)
    return HashedSecret(key=key, digest=_digest(key, secret))


def secret_matches(secret: str, stored: HashedSecret) -> bool:
    return hmac.compare_digest(_digest(stored.key, secret), stored.digest)
