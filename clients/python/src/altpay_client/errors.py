"""The exceptions of the client: one per kind of failure a caller handles differently.

Every API error carries the service's ``HttpError`` body (``code``, ``message``,
``validation_errors``), the HTTP ``status`` and the ``request_id`` of ``X-Request-Id``, to
quote when asking for help. ``/oauth/token`` answers in RFC 6749's format: its ``error``
becomes ``code`` and its ``error_description`` the ``message``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


class AltpayError(Exception):
    """Base of every error this client raises."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: int | None = None,
        validation_errors: Mapping[str, str] | None = None,
        request_id: str | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.validation_errors: dict[str, str] = dict(validation_errors or {})
        self.request_id = request_id
        self.response = response

    def __str__(self) -> str:
        parts = [f"{self.status} {self.code}" if self.status else self.code, self.message]
        if self.validation_errors:
            parts.append(repr(self.validation_errors))
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(part for part in parts if part)


class ConnectionError(AltpayError):  # the builtin's name, inside this package only
    """The service could not be reached, or its answer was lost, after every retry."""


class APIStatusError(AltpayError):
    """The service answered with an error status; subclasses name the common ones."""


class BadRequestError(APIStatusError):
    """400: the request cannot be read, or the object's state forbids the operation."""


class AuthenticationError(APIStatusError):
    """401: wrong client credentials, or a token the service no longer accepts."""


class PermissionDeniedError(APIStatusError):
    """403: the token lacks the operation's scope."""


class NotFoundError(APIStatusError):
    """404: no such object for this account."""


class ConflictError(APIStatusError):
    """409: the same Idempotency-Key's first request is still running."""


class ValidationError(APIStatusError):
    """422: a well-formed body with invalid fields (see ``validation_errors``)."""


class RateLimitError(APIStatusError):
    """429: over the client's rate; ``retry_after`` is the service's wait, in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: a fault of the service, or it is not ready."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitError,
}


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (altpay sends delta-seconds), or None when absent or odd."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The exception for an error response, whatever its body (even none, or not JSON)."""
    status = response.status_code
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    code = str(body.get("code") or body.get("error") or "")
    message = str(body.get("message") or body.get("error_description") or response.reason_phrase)
    errors = body.get("validation_errors")
    validation_errors = (
        {str(key): str(value) for key, value in errors.items()} if isinstance(errors, dict) else {}
    )
    kind = ServerError if status >= 500 else _BY_STATUS.get(status, APIStatusError)
    details: dict[str, Any] = {
        "code": code,
        "status": status,
        "validation_errors": validation_errors,
        "request_id": response.headers.get("X-Request-Id"),
        "response": response,
    }
    if kind is RateLimitError:
        return RateLimitError(message, retry_after=retry_after_seconds(response), **details)
    return kind(message, **details)
