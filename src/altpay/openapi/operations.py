"""The vendor's operations, refined from their routes: every status, header and link.

A route's errors are the ones it and its dependencies declare (``altpay.core.errors.raises``);
an operation is idempotent when its route takes an Idempotency-Key.
"""

from __future__ import annotations

from fastapi.routing import APIRoute

from altpay.core.http.declarations import depends_on
from altpay.idempotency.dependencies import KEY_CLAIMS
from altpay.openapi import headers
from altpay.openapi.errors import error_responses
from altpay.openapi.links import LINKS
from altpay.openapi.objects import Schema, ref
from altpay.openapi.parameters import refine_parameters
from altpay.openapi.sandbox import PARAMETER, SIMULATED_ERRORS, is_simulated

# Where the vendor lists a 400 that the route does not answer.
_UNANSWERED_400 = "Bad Request. Listed by the vendor; this service answers a malformed id with 404."


def refine_operation(operation: Schema, route: APIRoute, *, sandbox: bool) -> None:
    """Adds what ``route`` really answers to the vendor's ``operation``, keeping its words;
    ``sandbox``: whether the server honours Altpay-Simulate."""
    operation_id = operation["operationId"]
    idempotent = depends_on(route, KEY_CLAIMS)
    refine_parameters(operation, route, idempotent=idempotent)
    simulated = sandbox and is_simulated(route)
    if simulated:
        operation.setdefault("parameters", []).append(ref("parameters", PARAMETER))
    responses: dict[str, Schema] = operation["responses"]
    for status, response in responses.items():
        if not status.startswith("2"):
            continue
        response["headers"] = headers.of_success(operation_id)
        if idempotent:
            response["headers"][headers.REPLAYED] = ref("headers", headers.REPLAYED)
        if operation_id in LINKS:
            response["links"] = LINKS[operation_id]
    extra = SIMULATED_ERRORS if simulated else ()
    errors = error_responses(route, responses, idempotent=idempotent, extra=extra)
    if "400" in responses and "400" not in errors:
        responses["400"]["description"] = _UNANSWERED_400
        responses["400"]["headers"] = headers.refs()
    operation["responses"] = dict(sorted({**responses, **errors}.items()))
