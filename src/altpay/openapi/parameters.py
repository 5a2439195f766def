"""The parameters: the vendor's, bounded as the service checks them, and the service's own.

A query parameter a route reads that the vendor's operation does not list is an extension,
described by the route itself; ``Idempotency-Key`` is one component, referenced by every
operation whose route takes it.
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from altpay.core.http.declarations import dependants_of
from altpay.core.pagination import MAX_CURSOR_LENGTH, MAX_LIMIT
from altpay.idempotency.dependencies import HEADER, HEADER_DESCRIPTION
from altpay.openapi import patterns
from altpay.openapi.objects import EXTENSION, Schema, ref

_BOUNDS: dict[str, Schema] = {
    "limit": {"minimum": 1, "maximum": MAX_LIMIT},
    "after": {"maxLength": MAX_CURSOR_LENGTH},
    "before": {"maxLength": MAX_CURSOR_LENGTH},
    "created_at_start": {"pattern": patterns.TIMESTAMP_BOUND},
    "created_at_end": {"pattern": patterns.TIMESTAMP_BOUND},
    "company_name": {"maxLength": 255, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$"},
}


def idempotency_key() -> Schema:
    return {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": HEADER_DESCRIPTION,
        "schema": {"type": "string", "pattern": patterns.IDEMPOTENCY_KEY},
        EXTENSION: True,
    }


def refine_parameters(operation: Schema, route: APIRoute, *, idempotent: bool) -> None:
    """Bounds the vendor's parameters and adds those of the service (``route``'s)."""
    listed = operation.get("parameters", [])
    for parameter in listed:
        parameter["schema"].update(_BOUNDS.get(parameter["name"], {}))
    names = {parameter["name"] for parameter in listed}
    added = [
        _extension(field)
        for dependant in dependants_of(route)
        for field in dependant.query_params
        if field.alias not in names
    ]
    if idempotent:
        added.append(ref("parameters", "IdempotencyKey"))
    if added:
        operation["parameters"] = [*listed, *added]


def _extension(field: Any) -> Schema:
    """A query parameter of FastAPI's (a ``ModelField``), as the document shows it."""
    info = field.field_info
    schema: Schema = TypeAdapter(info.annotation).json_schema()
    if not info.is_required():
        schema["default"] = info.default
    return {
        "name": field.alias,
        "in": "query",
        "required": info.is_required(),
        "description": info.description,
        "schema": schema,
        EXTENSION: True,
    }
