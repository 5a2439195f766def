"""Who may reach an operator's route: a holder of its configured bearer token, or, when no
token is configured, a peer on loopback (``/metrics``, the sandbox's tenant creation)."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi.security.utils import get_authorization_scheme_param
from pydantic import SecretStr
from starlette.requests import Request


def presents_bearer(request: Request, token: SecretStr) -> bool:
    scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
    if not credentials:
        return False
    # Bytes: compare_digest refuses non-ASCII str, and a header may carry any octet.
    presented = credentials.encode("utf-8", "surrogateescape")
    expected = token.get_secret_value().encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(presented, expected)


def from_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
