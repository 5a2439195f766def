"""The sandbox's operations (an extension) and the ``Altpay-Simulate`` header of every
operation that takes a token, both only in the document of a server whose sandbox is on."""

from __future__ import annotations

from fastapi.routing import APIRoute
from pydantic import BaseModel

from altpay.auth.dependencies import BEARER_CHECKS
from altpay.core.errors import AppError, InvalidParameter, Unavailable
from altpay.core.http.declarations import depends_on
from altpay.core.http.simulate import DESCRIPTION, HEADER, PATTERN
from altpay.openapi import headers
from altpay.openapi.errors import error_responses
from altpay.openapi.objects import EXTENSION, Schema, ref
from altpay.openapi.parameters import refine_parameters
from altpay.sandbox.schemas import CreateTenantInput, RequestRecordPage, ResetReport, Tenant

TAG = "Sandbox"
PARAMETER = "AltpaySimulate"
# What a simulation can answer beyond the operation's own codes: a malformed header, a 503.
SIMULATED_ERRORS: tuple[type[AppError], ...] = (InvalidParameter, Unavailable)
_MODELS: tuple[type[BaseModel], ...] = (CreateTenantInput, Tenant, ResetReport, RequestRecordPage)
_SECURITY = {
    # The admin token, or nothing: a server with none configured takes loopback callers.
    "createSandboxTenant": [{"SandboxAdminToken": []}, {}],
    "resetSandboxTenant": [{"OAuth2ClientCredentials": ["customers:write"]}],
    "listSandboxRequests": [{"OAuth2ClientCredentials": ["customers:read"]}],
}


def simulate_parameter() -> Schema:
    return {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": DESCRIPTION,
        "schema": {"type": "string", "pattern": PATTERN},
        EXTENSION: True,
    }


def is_simulated(route: APIRoute) -> bool:
    """Whether Altpay-Simulate applies to the route: one that takes a bearer token."""
    return depends_on(route, BEARER_CHECKS)


def admin_scheme() -> Schema:
    return {
        "type": "http",
        "scheme": "bearer",
        "description": "Extension: ALTPAY_SANDBOX_ADMIN_TOKEN. A server with none configured "
        "takes tenant creations from loopback callers only.",
        EXTENSION: True,
    }


def schemas() -> dict[str, Schema]:
    """The sandbox's bodies, each a component of its own (nested models too)."""
    found: dict[str, Schema] = {}
    for model in _MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        found.update(schema.pop("$defs", {}))
        found[model.__name__] = schema
    for schema in found.values():
        schema[EXTENSION] = True
    return found


def operation(route: APIRoute) -> Schema:
    """A sandbox operation: its body, its reply and its errors, from its route."""
    status = str(route.status_code or 200)
    reply = route.response_model
    assert isinstance(reply, type)
    operation: Schema = {
        "security": _SECURITY[str(route.operation_id)],
        "responses": {
            status: {
                "description": "Created" if status == "201" else "OK",
                "headers": headers.refs(),
                "content": {"application/json": {"schema": ref("schemas", reply.__name__)}},
            },
            **error_responses(route, {}, extra=SIMULATED_ERRORS if is_simulated(route) else ()),
        },
        EXTENSION: True,
    }
    if route.operation_id == "createSandboxTenant":
        body = {"schema": ref("schemas", CreateTenantInput.__name__)}
        operation["requestBody"] = {"required": False, "content": {"application/json": body}}
    refine_parameters(operation, route, idempotent=False)
    if is_simulated(route):
        operation.setdefault("parameters", []).append(ref("parameters", PARAMETER))
    return operation
