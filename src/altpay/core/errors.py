"""The errors every domain shares, and the bases of each domain's own.

``AppError`` is the one family a client sees as an ``HttpError`` body; ``altpay.core.http``
is the one place that renders it (and ``ForeignError``, for the few bodies of another
format). A domain's errors subclass these in ``<domain>/errors.py``.

The classes are the catalogue of codes: each with a code of its own says what it means, and
each route and dependency declares the ones it raises with ``raises``; the served document
(``altpay.openapi``) is built from both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar


class AppError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "An internal error occurred."
    # What the code means, in the served document's words: each class with a code of its
    # own says it; a subclass that only words the message differently inherits both.
    meaning: ClassVar[str] = "a fault of the service"

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
    meaning = "the body is not valid JSON, or not a JSON object"


class InvalidParameter(AppError):
    status, code = 400, "invalid_parameter"
    default_message = "A query parameter is malformed or out of range."
    meaning = "a parameter or header is malformed or out of range"


class InvalidCursor(AppError):
    status, code = 400, "invalid_cursor"
    default_message = "The cursor is not valid for this list."
    meaning = "a cursor does not decode, was altered, or belongs to another list"


class NotFound(AppError):
    status, code = 404, "not_found"
    default_message = "Not found."
    meaning = "no such object for this account"


class MethodNotAllowed(AppError):
    status, code = 405, "method_not_allowed"
    default_message = "This method is not allowed on this resource."
    meaning = "the path does not have this method"


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"
    default_message = "The request body is larger than 1 MiB."
    meaning = "the body is over 1 MiB"


class UnsupportedMediaType(AppError):
    status, code = 415, "unsupported_media_type"
    default_message = "The request body must be application/json."
    meaning = "the body is not application/json"


class ValidationFailed(AppError):
    status, code = 422, "validation_error"
    default_message = "The request has invalid fields."
    meaning = "the body is well-formed but its fields are invalid"


class CardNumberNotAllowed(AppError):
    status, code = 422, "card_number_not_allowed"
    default_message = (
        "A card number may not be sent to this API; send a card provider's token instead."
    )
    meaning = "a string field holds what looks like a card number (a Luhn-valid 13-19 digit run)"


class RateLimited(AppError):
    status, code = 429, "rate_limited"
    default_message = "Too many requests; retry after the time in Retry-After."
    meaning = "over the client's request rate"


class Unavailable(AppError):
    status, code = 503, "unavailable"
    default_message = "The service is not ready."
    meaning = "the database is unreachable or not migrated"


Declaring = TypeVar("Declaring", bound=Callable[..., Any])
_DECLARED = "altpay_raises"


def raises(*errors: type[AppError]) -> Callable[[Declaring], Declaring]:
    """Declares the errors a route or a dependency raises itself; those of the dependencies
    it depends on are theirs to declare. Every route may also answer ``internal_error``."""

    def declare(function: Declaring) -> Declaring:
        setattr(function, _DECLARED, (*declared_by(function), *errors))
        return function

    return declare


def declared_by(function: Callable[..., Any]) -> tuple[type[AppError], ...]:
    """What ``raises`` declared for ``function``: its own errors, not its dependencies'."""
    declared: tuple[type[AppError], ...] = getattr(function, _DECLARED, ())
    return declared


# Seconds a client is told to wait before retrying a 503: a lost connection is replaced
# within a second, and a restarting database is usually back within a few.
RETRY_UNAVAILABLE_AFTER = 1


class ForeignError(Exception):
    """An error a standard says the shape of (RFC 6749's at ``/oauth/token``), not HttpError."""

    def __init__(self, status: int, body: Mapping[str, object], headers: Mapping[str, str]) -> None:
        self.status = status
        self.body = dict(body)
        self.headers = dict(headers)
        super().__init__(status)


class FinishedResponse(Exception):
    """A response already made, sent as it is (an idempotent replay of a stored answer)."""

    def __init__(self, status: int, body: str, headers: Mapping[str, str]) -> None:
        self.status = status
        self.body = body
        self.headers = dict(headers)
        super().__init__(status)
