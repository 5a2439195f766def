"""The OAuth2 client-credentials token: fetched once, cached, renewed shortly before it expires."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from altpay_client.errors import AuthenticationError, error_from_response

TOKEN_PATH = "/oauth/token"
# Renew when less than a tenth of the lifetime is left, plus a second: a JWT's `exp` counts
# whole seconds from the server's clock, so a token may end up to a second before
# `expires_in` says. At most a minute early, and never before half the lifetime.
RENEW_SHARE = 0.1
RENEW_ROUNDING = 1.0
RENEW_AT_MOST = 60.0


@dataclass
class Token:
    access_token: str
    renew_at: float  # time.monotonic() after which a new token is fetched


def token_request(
    client_id: str, client_secret: str, scope: str | None
) -> tuple[dict[str, str], httpx.BasicAuth]:
    """The form and the HTTP Basic credentials of a token request (the documented way)."""
    form = {"grant_type": "client_credentials"}
    if scope:
        form["scope"] = scope
    return form, httpx.BasicAuth(client_id, client_secret)


def token_from(response: httpx.Response) -> Token:
    """The token of a successful reply, or the reply's error raised."""
    if response.status_code != 200:
        raise error_from_response(response)
    body = response.json()
    try:
        access_token = str(body["access_token"])
        lifetime = float(body.get("expires_in") or 3600)
    except (KeyError, TypeError, ValueError) as error:
        raise AuthenticationError(
            "the token endpoint answered without an access token",
            code="invalid_token_response",
            status=response.status_code,
            request_id=response.headers.get("X-Request-Id"),
            response=response,
        ) from error
    margin = min(RENEW_AT_MOST, lifetime * RENEW_SHARE + RENEW_ROUNDING, lifetime / 2)
    return Token(access_token, time.monotonic() + lifetime - margin)


def is_fresh(token: Token | None) -> bool:
    return token is not None and time.monotonic() < token.renew_at
