"""The one family of errors a client can see; ``altpay.core.http`` renders them as HttpError."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class AppError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "An internal error occurred."

    def __init__(
        self,
        message: str | None = None,
        *,
        validation_errors: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.validation_errors = dict(validation_errors or {})
        self.headers = dict(headers or {})
        super().__init__(self.message)

    def document(self) -> dict[str, object]:
        """The ``HttpError`` body."""
        return {
            "code": self.code,
            "message": self.message,
            "validation_errors": self.validation_errors,
        }


class InvalidJson(AppError):
    status, code = 400, "invalid_json"
    default_message = "The request body is not a valid JSON object."


class InvalidParameter(AppError):
    status, code = 400, "invalid_parameter"
    default_message = "A query parameter is malformed or out of range."


class InvalidCursor(AppError):
    status, code = 400, "invalid_cursor"
    default_message = "The cursor is not valid for this list."


class CustomerArchived(AppError):
    status, code = 400, "customer_archived"
    default_message = "The customer is archived."


class CustomerAlreadyArchived(AppError):
    status, code = 400, "customer_already_archived"
    default_message = "The customer is already archived."


class CustomerNotArchived(AppError):
    status, code = 400, "customer_not_archived"
    default_message = "The customer is not archived."


class Unauthorized(AppError):
    status, code = 401, "unauthorized"
    default_message = "A valid bearer token is required."


class Forbidden(AppError):
    status, code = 403, "forbidden"
    default_message = "The token lacks the scope this operation requires."


class NotFound(AppError):
    status, code = 404, "not_found"
    default_message = "Not found."


class MethodNotAllowed(AppError):
    status, code = 405, "method_not_allowed"
    default_message = "This method is not allowed on this resource."


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"
    default_message = "The request body is larger than 1 MiB."


class UnsupportedMediaType(AppError):
    status, code = 415, "unsupported_media_type"
    default_message = "The request body must be application/json."


class ValidationFailed(AppError):
    status, code = 422, "validation_error"
    default_message = "The request has invalid fields."


class RateLimited(AppError):
    status, code = 429, "rate_limited"
    default_message = "Too many requests; retry after the time in Retry-After."


class Unavailable(AppError):
    status, code = 503, "unavailable"
    default_message = "The service is not ready."


class OAuthError(Exception):
    """An error of ``/oauth/token``, rendered in RFC 6749's own format, not as HttpError."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        status: int = 400,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.error = error
        self.description = description
        self.status = status
        self.headers = dict(headers or {})
        super().__init__(description)


class IdempotencyKeyInUse(AppError):
    status, code = 409, "idempotency_key_in_use"
    default_message = "A request with this Idempotency-Key is still being processed."


class IdempotencyKeyReused(AppError):
    status, code = 422, "idempotency_key_reused"
    default_message = "This Idempotency-Key was used with a different request."


class IdempotentReplay(Exception):
    """The stored response of an earlier request with the same Idempotency-Key."""

    def __init__(self, status: int, body: str, location: str | None) -> None:
        self.status = status
        self.body = body
        self.location = location
        super().__init__(status)
