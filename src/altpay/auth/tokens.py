"""Access tokens: HS256 JWTs in the RFC 9068 profile, verified with the algorithm pinned."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from altpay.auth.errors import Unauthorized
from altpay.core.keys import derive_key

ALGORITHM = "HS256"
TOKEN_TYPE = "at+jwt"
SCOPE_READ = "customers:read"
SCOPE_WRITE = "customers:write"
SCOPE_WEBHOOKS_READ = "webhooks:read"
SCOPE_WEBHOOKS_WRITE = "webhooks:write"
ALL_SCOPES = (SCOPE_READ, SCOPE_WRITE, SCOPE_WEBHOOKS_READ, SCOPE_WEBHOOKS_WRITE)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the client, its account, and the scopes its token grants."""

    client_id: str
    account_id: str
    scopes: frozenset[str]
    expires_at: float  # the token's ``exp``, seconds since the epoch


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str
    account_id: str


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


class TokenService:
    """Signs with the first master key's token key; verifies with any of them, by ``kid``."""

    def __init__(
        self, master_keys: Sequence[bytes], *, issuer: str, audience: str, lifetime: int
    ) -> None:
        keys = [derive_key(master, "access-token") for master in master_keys]
        self._key, self._kid = keys[0], key_id(keys[0])
        self._verification_keys = {key_id(key): key for key in keys}
        self._issuer = issuer
        self._audience = audience
        self.lifetime = lifetime

    def issue(
        self,
        *,
        client_id: str,
        account_id: str,
        scopes: tuple[str, ...],
        not_after: datetime | None = None,
    ) -> IssuedToken:
        """A token for the lifetime, or until ``not_after`` if that comes first (a sandbox
        tenant's end: no token outlives its account)."""
        now = datetime.now(UTC)
        lifetime = self.lifetime
        if not_after is not None:
            lifetime = max(1, min(lifetime, int((not_after - now).total_seconds())))
        scope = " ".join(scopes)
        claims = {
            "iss": self._issuer,
            "sub": client_id,
            "client_id": client_id,
            "aud": self._audience,
            "iat": now,
            "exp": now + timedelta(seconds=lifetime),
            "jti": uuid.uuid4().hex,
            "scope": scope,
            "account_id": account_id,
        }
        headers = {"typ": TOKEN_TYPE, "kid": self._kid}
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers=headers)
        return IssuedToken(
            access_token=token, expires_in=lifetime, scope=scope, account_id=account_id
        )

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            key = self._verification_keys.get(str(header.get("kid")))
            if header.get("typ") != TOKEN_TYPE or key is None:
                raise Unauthorized("The access token is invalid.")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti", "scope"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise Unauthorized("The access token has expired.") from error
        except jwt.InvalidTokenError as error:
            raise Unauthorized("The access token is invalid.") from error
        account_id, scope = claims.get("account_id"), claims.get("scope")
        if not isinstance(account_id, str) or not isinstance(scope, str):
            raise Unauthorized("The access token is invalid.")
        return Principal(
            client_id=str(claims["sub"]),
            account_id=account_id,
            scopes=frozenset(scope.split()),
            expires_at=float(claims["exp"]),
        )
