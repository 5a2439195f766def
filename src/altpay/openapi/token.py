"""``POST /oauth/token``, the ``tokenUrl`` of the vendor's security scheme: its path and schemas.

Its errors are RFC 6749's (``OAuthError``), their codes ``altpay.auth.errors.OAUTH_ERROR_CODES``;
only a fault of the service is an HttpError. Its words (summary, description) are the
route's.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi.routing import APIRoute

from altpay.auth.errors import OAUTH_ERROR_CODES
from altpay.auth.routes import FORM_MEDIA_TYPE
from altpay.auth.schemas import TokenReply
from altpay.core.errors import Unavailable
from altpay.openapi import headers
from altpay.openapi.components import describe
from altpay.openapi.errors import error_content, error_responses
from altpay.openapi.objects import Schema, ref
from altpay.openapi.sandbox import PARAMETER

OPERATION_ID = "createAccessToken"
# Status -> the OAuthError codes it carries.
_OAUTH_ERRORS = {
    400: ("invalid_request", "unsupported_grant_type", "invalid_scope"),
    401: ("invalid_client",),
    429: ("rate_limited",),
}


def operation(route: APIRoute, *, sandbox: bool) -> Schema:
    """The token endpoint's request body and responses (its words are its route's);
    ``sandbox``: whether it honours Altpay-Simulate (its faults are HttpErrors, 500 and 503)."""
    basic = {
        "description": 'Always Basic realm="altpay".',
        "required": True,
        "schema": {"type": "string", "const": 'Basic realm="altpay"'},
    }
    no_store = {"required": True, "schema": {"type": "string", "const": "no-store"}}
    oauth_headers = {
        400: headers.refs(),
        401: {**headers.refs(), "WWW-Authenticate": basic},
        429: headers.refs("Retry-After"),
    }
    simulated: Schema = {"parameters": [ref("parameters", PARAMETER)]} if sandbox else {}
    return {
        **simulated,
        "requestBody": {
            "required": True,
            "content": {FORM_MEDIA_TYPE: {"schema": ref("schemas", "TokenRequest")}},
        },
        "responses": {
            "200": {
                "description": "OK",
                "headers": {**headers.refs(), "Cache-Control": no_store},
                "content": {"application/json": {"schema": ref("schemas", "TokenReply")}},
            },
            **{
                str(status): _oauth_error(status, oauth_headers[status], codes)
                for status, codes in _OAUTH_ERRORS.items()
            },
            **error_responses(route, {}, extra=(Unavailable,) if sandbox else ()),
        },
    }


def _oauth_error(status: int, headers_: dict[str, Schema], codes: tuple[str, ...]) -> Schema:
    meanings = "; ".join(f"`{code}`: {OAUTH_ERROR_CODES[code]}" for code in codes)
    return {
        "description": f"{HTTPStatus(status).phrase}. {meanings}.",
        "headers": headers_,
        "content": error_content("OAuthError", "error", list(codes)),
    }


def schemas() -> dict[str, Schema]:
    reply: Schema = {
        "type": "object",
        "description": "RFC 6749 §5.1. No refresh token.",
        "properties": {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "const": "Bearer"},
            "expires_in": {"type": "integer", "minimum": 1},
            "scope": {"type": "string"},
        },
        "required": list(TokenReply.model_fields),
    }
    describe(reply, TokenReply)
    return {
        "TokenRequest": {
            "type": "object",
            "description": "RFC 6749 §4.4.2. Authenticate the client with HTTP Basic (the "
            "documented way) or with client_id and client_secret, not both. Parameters "
            "not listed here are ignored (RFC 6749 §3.2).",
            "properties": {
                "grant_type": {"type": "string", "enum": ["client_credentials"]},
                "scope": {
                    "type": "string",
                    "description": "Space-separated scopes, a subset of the client's: "
                    "customers:read, customers:write. Absent or blank: all of them.",
                },
                "client_id": {"type": "string", "description": "Without HTTP Basic only."},
                "client_secret": {"type": "string", "description": "Without HTTP Basic only."},
            },
            "required": ["grant_type"],
        },
        "TokenReply": reply,
        "OAuthError": {
            "type": "object",
            "description": "RFC 6749 §5.2: every error of /oauth/token but a 500.",
            "properties": {
                "error": {"type": "string", "enum": list(OAUTH_ERROR_CODES)},
                "error_description": {"type": "string"},
            },
            "required": ["error", "error_description"],
        },
    }
