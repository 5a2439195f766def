"""Errors of authentication: bearer tokens (HttpError) and the token endpoint (RFC 6749)."""

from __future__ import annotations

from collections.abc import Mapping

from altpay.core.errors import AppError, ForeignError, NotFound


class Unauthorized(AppError):
    status, code = 401, "unauthorized"
    default_message = "A valid bearer token is required."
    meaning = "no, malformed, expired, altered or revoked bearer token"


class Forbidden(AppError):
    status, code = 403, "forbidden"
    default_message = "The token lacks the scope this operation requires."
    meaning = "the token lacks the operation's scope"


class UnknownAccount(NotFound):
    """Operators only (the CLI): an account id that does not exist."""


class UnknownClient(NotFound):
    """Operators only (the CLI): a client id that does not exist."""


class InvalidScope(ValueError):
    """A requested scope that does not exist or that the client may not have."""


class ClientAuthenticationFailed(Exception):
    """Unknown client, wrong secret, or disabled client: deliberately indistinguishable."""


# RFC 6749 §5.2's error codes at /oauth/token, with what each means here.
OAUTH_ERROR_CODES = {
    "invalid_request": "the body is not a form, a parameter is missing or repeated, "
    "or the client authenticated in two ways",
    "invalid_client": "unknown client, wrong secret, disabled client, or no credentials",
    "unsupported_grant_type": "grant_type is not client_credentials",
    "invalid_scope": "a scope is unknown, or not one the client may have",
    "rate_limited": "too many token requests for this client id or address",
}


class OAuthError(ForeignError):
    """An error of ``/oauth/token``, in RFC 6749's own format, never cached (§5.1)."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        status: int = 400,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if error not in OAUTH_ERROR_CODES:
            raise ValueError(f"not an error code of /oauth/token: {error}")
        self.error = error
        self.description = description
        super().__init__(
            status,
            {"error": error, "error_description": description},
            {**(headers or {}), "Pragma": "no-cache"},
        )
