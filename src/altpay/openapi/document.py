"""The served OpenAPI document: the vendor's own (``vendor.json``), refined.

Every path, method, operationId, parameter, field, summary and description of the vendor's
document is kept; the refinements add what the service decides and really does, read from
the application's routes (their errors, parameters and words), the token endpoint and the
probes, and a ``servers`` entry for the instance that serves it. Additions that are not in
the vendor's API are marked ``x-extension: true``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from altpay.openapi import components, errors, headers, parameters, probes, sandbox, token
from altpay.openapi.objects import Schema
from altpay.openapi.operations import refine_operation

Document = dict[str, Any]

_SCOPES = {
    "customers:read": "Read customers, their users and payment methods",
    "customers:write": "Create, change, archive and restore customers and their users",
    "webhooks:read": "Read webhook subscriptions and their events",
    "webhooks:write": "Create and delete webhook subscriptions",
}
_DESCRIPTION = """\
The Alternative Payments Customers API, as this service implements it: the vendor's
reference refined with required fields, formats, bounds, every status an operation can
answer and the headers that come with it. `x-extension: true` marks what the vendor's
reference does not have. Errors use `HttpError` (`OAuthError` at `/oauth/token`). A method
that a path does not have is `405` with an `Allow` header (`components.responses.MethodNotAllowed`);
an unknown path is `404`."""
_SANDBOX_TAG = (
    "Extension, only while the sandbox is on: a tenant per test run, reset, the request log. "
    "Every operation that takes a token also takes the Altpay-Simulate header."
)


def vendor_document() -> Document:
    """A fresh copy of the vendor's document, as shipped with the package."""
    text = resources.files(__package__).joinpath("vendor.json").read_text(encoding="utf-8")
    document: Document = json.loads(text)
    return document


def served_document(
    routes: Iterable[BaseRoute], server_url: str | None = None, *, sandbox_on: bool = False
) -> Document:
    """The document of the application whose ``routes`` these are (those in its schema);
    ``servers`` names ``server_url`` when it is known; ``sandbox_on``: the sandbox's
    operations and Altpay-Simulate are documented."""
    # About a millisecond: built afresh for each request, with no cache to keep in step.
    document = vendor_document()
    document["info"]["description"] = _DESCRIPTION
    parts = document["components"]
    flow = parts["securitySchemes"]["OAuth2ClientCredentials"]["flows"]["clientCredentials"]
    # The vendor's operations require customers:read/customers:write, not its read/write.
    flow["scopes"] = dict(_SCOPES)
    schemas = parts["schemas"]
    components.refine_schemas(schemas)
    errors.refine_http_error(schemas["HttpError"])
    schemas.update(token.schemas())
    schemas["Health"] = probes.health_schema()
    parts["headers"] = headers.components()
    parts["parameters"] = {"IdempotencyKey": parameters.idempotency_key()}
    parts["responses"] = {"MethodNotAllowed": errors.method_not_allowed()}
    document["paths"].update(_refined_paths(document["paths"], routes, sandbox_on=sandbox_on))
    document["tags"] = [
        {"name": "Customers"},
        {"name": "Webhooks", "description": "Subscriptions to topics, and their deliveries."},
        {"name": "OAuth", "description": "Access tokens (RFC 6749 client credentials)."},
        {"name": probes.TAG, "description": "Extension: probes for load balancers."},
    ]
    if sandbox_on:
        parts["parameters"][sandbox.PARAMETER] = sandbox.simulate_parameter()
        parts["securitySchemes"]["SandboxAdminToken"] = sandbox.admin_scheme()
        schemas.update(sandbox.schemas())
        document["tags"].append({"name": sandbox.TAG, "description": _SANDBOX_TAG})
    if server_url:
        document["servers"] = [{"url": server_url.rstrip("/"), "description": "This instance"}]
    else:
        document["servers"] = [{"url": "/"}]
    return document


def api_routes(routes: Iterable[BaseRoute]) -> list[APIRoute]:
    """The routes in the schema, those of the routers the application includes too (which
    FastAPI keeps behind one route per router). altpay includes them without a prefix."""
    return [
        context.original_route
        for context in iter_route_contexts(list(routes))
        if isinstance(context.original_route, APIRoute) and context.original_route.include_in_schema
    ]


def _refined_paths(
    vendor_paths: Document, routes: Iterable[BaseRoute], *, sandbox_on: bool
) -> Document:
    """The vendor's paths refined from their routes, then the token endpoint's, the probes'
    and the sandbox's."""
    by_operation = {route.operation_id: route for route in api_routes(routes)}
    for path_item in vendor_paths.values():
        for operation in path_item.values():
            route = by_operation.pop(operation["operationId"])
            refine_operation(operation, route, sandbox=sandbox_on)
    token_route = by_operation.pop(token.OPERATION_ID)
    token_operation = token.operation(token_route, sandbox=sandbox_on)
    paths = {token_route.path: _path_item(token_route, token_operation)}
    for route in by_operation.values():
        if probes.TAG in route.tags:
            paths[route.path] = _path_item(route, probes.operation(route))
        elif sandbox.TAG in route.tags:
            paths[route.path] = _path_item(route, sandbox.operation(route))
        else:
            raise LookupError(f"{route.operation_id}: not the vendor's, a probe or the sandbox's")
    return paths


def _path_item(route: APIRoute, operation: Schema) -> Document:
    """``operation`` under the route's method, in the route's words, with no token needed."""
    words = {
        "tags": route.tags,
        "summary": route.summary,
        "description": route.description,
        "operationId": route.operation_id,
        "security": [],
    }
    return {method.lower(): {**words, **operation} for method in route.methods or ()}
