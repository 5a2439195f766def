"""The liveness and readiness probes (an extension): their paths, built from their routes."""

from __future__ import annotations

from fastapi.routing import APIRoute

from altpay.core.health import Health
from altpay.openapi import headers
from altpay.openapi.errors import error_responses
from altpay.openapi.objects import EXTENSION, Schema, ref

TAG = "Operations"


def operation(route: APIRoute) -> Schema:
    """A probe's responses, its errors the route's (its words are its route's too)."""
    return {
        "responses": {
            "200": {
                "description": "OK",
                "headers": headers.refs(),
                "content": {"application/json": {"schema": ref("schemas", "Health")}},
            },
            **error_responses(route, {}),
        },
        EXTENSION: True,
    }


def health_schema() -> Schema:
    return {
        "type": "object",
        "properties": {"status": {"type": "string", "const": "ok"}},
        "required": list(Health.model_fields),
        EXTENSION: True,
    }
