"""The response headers: the document's ``components.headers``, and which response has which."""

from __future__ import annotations

from altpay.openapi import patterns
from altpay.openapi.objects import EXTENSION, Schema, ref

# An HttpError's headers besides X-Request-Id, by status: the challenge and the wait.
_OF_ERROR = {
    401: ("WWW-Authenticate-Bearer",),
    403: ("WWW-Authenticate-Scope",),
    429: ("Retry-After",),
    503: ("Retry-After",),
}
# A success's headers besides X-Request-Id, by operation.
_OF_SUCCESS = {"createCustomer": ("Location",)}
REPLAYED = "Idempotent-Replayed"


def components() -> dict[str, Schema]:
    return {
        "X-Request-Id": {
            "description": "Extension: the caller's X-Request-Id if it is 1-128 characters of "
            "[A-Za-z0-9._:-], else a new one; on every response.",
            "required": True,
            "schema": {"type": "string", "pattern": patterns.REQUEST_ID},
            EXTENSION: True,
        },
        "WWW-Authenticate-Bearer": {
            "description": "RFC 6750 §3: error is absent when no credentials were sent.",
            "required": True,
            "schema": {"type": "string", "enum": ["Bearer", 'Bearer error="invalid_token"']},
        },
        "WWW-Authenticate-Scope": {
            "description": "RFC 6750 §3.1.",
            "required": True,
            "schema": {"type": "string", "const": 'Bearer error="insufficient_scope"'},
        },
        "Retry-After": {
            "description": "Whole seconds to wait before the next request.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        },
        "Location": {
            "description": "The created customer's URL.",
            "required": True,
            "schema": {"type": "string", "format": "uri-reference", "pattern": "^/customers/cus_"},
        },
        REPLAYED: {
            "description": "Extension: present when this is the stored response of an earlier "
            "request with the same Idempotency-Key.",
            "schema": {"type": "string", "const": "true"},
            EXTENSION: True,
        },
        "Allow": {
            "description": "Every method of the path.",
            "required": True,
            "schema": {"type": "string"},
        },
    }


def refs(*names: str) -> dict[str, Schema]:
    """References to X-Request-Id, on every response, and to ``names``."""
    return {name: ref("headers", name) for name in ("X-Request-Id", *names)}


def of_error(status: int) -> dict[str, Schema]:
    return refs(*_OF_ERROR.get(status, ()))


def of_success(operation_id: str) -> dict[str, Schema]:
    return refs(*_OF_SUCCESS.get(operation_id, ()))
