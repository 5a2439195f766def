"""The document's operations: every status each can answer, its headers, parameters and links.

The tables below say what the routes really do; ``tests/openapi`` and the Schemathesis run
hold them to it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from altpay.core.pagination import MAX_CURSOR_LENGTH, MAX_LIMIT
from altpay.idempotency.dependencies import HEADER as IDEMPOTENCY_KEY
from altpay.openapi import patterns
from altpay.openapi.components import ERROR_CODES, EXTENSION, OAUTH_ERROR_CODES

Schema = dict[str, Any]

# Every operation behind a bearer token can answer these, whatever it does.
_AUTHENTICATED = {
    401: ("unauthorized",),
    403: ("forbidden",),
    429: ("rate_limited",),
    500: ("internal_error",),
}
_BODY = {413: ("payload_too_large",), 415: ("unsupported_media_type",)}
_IDEMPOTENT = {409: ("idempotency_key_in_use",)}

# Operation -> status -> the HttpError codes it can carry, besides _AUTHENTICATED.
ERRORS: dict[str, dict[int, tuple[str, ...]]] = {
    "listCustomers": {400: ("invalid_parameter", "invalid_cursor")},
    "createCustomer": {
        400: ("invalid_json", "invalid_parameter"),
        **_IDEMPOTENT,
        **_BODY,
        422: ("validation_error", "idempotency_key_reused"),
    },
    "getCustomer": {404: ("not_found",)},
    "archiveCustomer": {400: ("customer_already_archived",), 404: ("not_found",)},
    "updateCustomer": {
        400: ("invalid_json", "customer_archived"),
        404: ("not_found",),
        **_BODY,
        422: ("validation_error",),
    },
    "restoreCustomer": {
        400: ("customer_not_archived", "invalid_parameter"),
        404: ("not_found",),
        **_IDEMPOTENT,
        422: ("idempotency_key_reused",),
    },
    "listCustomerUsers": {400: ("invalid_parameter", "invalid_cursor"), 404: ("not_found",)},
    "createCustomerUser": {
        400: ("invalid_json", "customer_archived", "invalid_parameter"),
        404: ("not_found",),
        **_IDEMPOTENT,
        **_BODY,
        422: ("validation_error", "idempotency_key_reused"),
    },
    "listPaymentMethods": {404: ("not_found",)},
    "getPaymentMethod": {404: ("not_found",)},
}
IDEMPOTENT_OPERATIONS = ("createCustomer", "restoreCustomer", "createCustomerUser")
# A retry with the same key replays these statuses too (the state errors and "not found").
_REPLAYED_ERRORS = (400, 404)

_HEADER = "#/components/headers/"
_LINKS: dict[str, dict[str, Schema]] = {
    "createCustomer": {
        name: {"operationId": operation, "parameters": {"id": "$response.body#/id"}}
        for name, operation in (
            ("GetCustomer", "getCustomer"),
            ("UpdateCustomer", "updateCustomer"),
            ("ArchiveCustomer", "archiveCustomer"),
            ("ListCustomerUsers", "listCustomerUsers"),
            ("CreateCustomerUser", "createCustomerUser"),
            ("ListPaymentMethods", "listPaymentMethods"),
        )
    },
    "archiveCustomer": {
        "RestoreCustomer": {
            "operationId": "restoreCustomer",
            "parameters": {"id": "$request.path.id"},
        },
        "GetCustomer": {"operationId": "getCustomer", "parameters": {"id": "$request.path.id"}},
    },
    "listCustomers": {
        "NextPage": {
            "operationId": "listCustomers",
            "parameters": {"after": "$response.body#/end_cursor"},
        },
        "ListPaymentMethods": {
            "operationId": "listPaymentMethods",
            "parameters": {"id": "$response.body#/data/0/id"},
        },
    },
    "listPaymentMethods": {
        "GetPaymentMethod": {
            "operationId": "getPaymentMethod",
            "parameters": {"id": "$request.path.id", "method_id": "$response.body#/data/0/id"},
        },
    },
    "listCustomerUsers": {
        "NextPage": {
            "operationId": "listCustomerUsers",
            "parameters": {"id": "$request.path.id", "after": "$response.body#/end_cursor"},
        },
    },
}


def headers() -> dict[str, Schema]:
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
        "Idempotent-Replayed": {
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


def idempotency_key_parameter() -> Schema:
    return {
        "name": IDEMPOTENCY_KEY,
        "in": "header",
        "required": False,
        "description": "Extension: retry safely. A retry with the same key and the same request "
        "returns the first response (with Idempotent-Replayed: true) and writes nothing; the "
        "same key with another request is 422. Keys are kept at least 24 hours, per account.",
        "schema": {"type": "string", "pattern": patterns.IDEMPOTENCY_KEY},
        EXTENSION: True,
    }


def _header_refs(*names: str) -> dict[str, Schema]:
    return {name: {"$ref": _HEADER + name} for name in ("X-Request-Id", *names)}


def _error_headers(status: int) -> dict[str, Schema]:
    if status == 401:
        return _header_refs("WWW-Authenticate-Bearer")
    if status == 403:
        return _header_refs("WWW-Authenticate-Scope")
    if status == 429:
        return _header_refs("Retry-After")
    return _header_refs()


def error_response(status: int, codes: tuple[str, ...], description: str | None = None) -> Schema:
    """An HttpError response whose ``code`` is one of ``codes``."""
    phrase = description or HTTPStatus(status).phrase
    meanings = "; ".join(f"`{code}`: {ERROR_CODES[code]}" for code in codes)
    return {
        "description": f"{phrase}. {meanings}." if meanings else phrase,
        "headers": _error_headers(status),
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        {"$ref": "#/components/schemas/HttpError"},
                        {"properties": {"code": {"enum": list(codes)}}},
                    ]
                }
            }
        },
    }


def refine_operation(operation: Schema) -> None:
    """Adds the statuses, headers and links ``operation`` really has, keeping the vendor's words."""
    operation_id = operation["operationId"]
    responses: dict[str, Schema] = operation["responses"]
    idempotent = operation_id in IDEMPOTENT_OPERATIONS
    for status, response in responses.items():
        if not status.startswith("2"):
            continue
        extra = ("Location",) if operation_id == "createCustomer" else ()
        response["headers"] = _header_refs(*extra)
        if idempotent:
            response["headers"]["Idempotent-Replayed"] = {"$ref": _HEADER + "Idempotent-Replayed"}
        if operation_id in _LINKS:
            response["links"] = _LINKS[operation_id]
    for error, codes in sorted({**ERRORS[operation_id], **_AUTHENTICATED}.items()):
        vendor = responses.get(str(error), {}).get("description")
        response = error_response(error, codes, vendor)
        if idempotent and error in _REPLAYED_ERRORS:
            response["headers"]["Idempotent-Replayed"] = {"$ref": _HEADER + "Idempotent-Replayed"}
        responses[str(error)] = response
    if "400" in responses and 400 not in ERRORS[operation_id]:
        responses["400"]["description"] = (
            "Bad Request. Listed by the vendor; this service answers a malformed id with 404."
        )
        responses["400"]["headers"] = _header_refs()
    operation["responses"] = dict(sorted(responses.items()))
    if idempotent:
        operation.setdefault("parameters", []).append(
            {"$ref": "#/components/parameters/IdempotencyKey"}
        )


def refine_parameters(operation: Schema) -> None:
    """Bounds and formats of the query parameters, as the service checks them."""
    refinements: dict[str, Schema] = {
        "limit": {"minimum": 1, "maximum": MAX_LIMIT},
        "after": {"maxLength": MAX_CURSOR_LENGTH},
        "before": {"maxLength": MAX_CURSOR_LENGTH},
        "created_at_start": {"pattern": patterns.TIMESTAMP_BOUND},
        "created_at_end": {"pattern": patterns.TIMESTAMP_BOUND},
        "company_name": {"maxLength": 255, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$"},
    }
    for parameter in operation.get("parameters", []):
        parameter["schema"].update(refinements.get(parameter["name"], {}))
    if operation["operationId"] == "listCustomers":
        operation["parameters"].append(
            {
                "name": "include_archived",
                "in": "query",
                "required": False,
                "description": "Extension: also list archived customers.",
                "schema": {"type": "boolean", "default": False},
                EXTENSION: True,
            }
        )


def _oauth_error(status: int, headers: dict[str, Schema], codes: tuple[str, ...]) -> Schema:
    meanings = "; ".join(f"`{code}`: {OAUTH_ERROR_CODES[code]}" for code in codes)
    return {
        "description": f"{HTTPStatus(status).phrase}. {meanings}.",
        "headers": headers,
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        {"$ref": "#/components/schemas/OAuthError"},
                        {"properties": {"error": {"enum": list(codes)}}},
                    ]
                }
            }
        },
    }


def token_path() -> Schema:
    """``POST /oauth/token``, the ``tokenUrl`` of the vendor's security scheme."""
    basic = {
        "description": 'Always Basic realm="altpay".',
        "required": True,
        "schema": {"type": "string", "const": 'Basic realm="altpay"'},
    }
    no_store = {"required": True, "schema": {"type": "string", "const": "no-store"}}
    return {
        "post": {
            "tags": ["OAuth"],
            "summary": "Get an access token",
            "description": "The client-credentials grant (RFC 6749 §4.4). Authenticate the "
            "client with HTTP Basic, or with client_id and client_secret in the form. The "
            "token lasts expires_in seconds (3600 by default); there is no refresh token.",
            "operationId": "createAccessToken",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {"$ref": "#/components/schemas/TokenRequest"}
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "OK",
                    "headers": {**_header_refs(), "Cache-Control": no_store},
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/TokenReply"}}
                    },
                },
                "400": _oauth_error(
                    400,
                    _header_refs(),
                    ("invalid_request", "unsupported_grant_type", "invalid_scope"),
                ),
                "401": _oauth_error(
                    401, {**_header_refs(), "WWW-Authenticate": basic}, ("invalid_client",)
                ),
                "429": _oauth_error(429, _header_refs("Retry-After"), ("rate_limited",)),
                "500": error_response(500, ("internal_error",)),
            },
        }
    }


def health_paths() -> dict[str, Schema]:
    def probe(operation_id: str, summary: str, description: str, *statuses: int) -> Schema:
        responses: dict[str, Schema] = {
            "200": {
                "description": "OK",
                "headers": _header_refs(),
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Health"}}
                },
            }
        }
        for status in statuses:
            code = "unavailable" if status == 503 else "internal_error"
            responses[str(status)] = error_response(status, (code,))
        return {
            "get": {
                "tags": ["Operations"],
                "summary": summary,
                "description": description,
                "operationId": operation_id,
                "security": [],
                "responses": responses,
                EXTENSION: True,
            }
        }

    return {
        "/healthz": probe("getHealth", "Liveness", "The process is alive and serving.", 500),
        "/readyz": probe(
            "getReadiness",
            "Readiness",
            "The database is reachable and migrated to the revision this build expects.",
            500,
            503,
        ),
    }


def method_not_allowed() -> Schema:
    """What any path answers to a method it does not have (no operation of its own)."""
    response = error_response(405, ("method_not_allowed",))
    response["headers"] = _header_refs("Allow")
    return response
