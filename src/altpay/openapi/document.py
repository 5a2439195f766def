"""The served OpenAPI document: the vendor's own (``vendor.json``), refined.

Every path, method, operationId, parameter, field, summary and description of the vendor's
document is kept; the refinements add what the service decides and really does
(``components``, ``operations``), the token endpoint and the probes, and a ``servers``
entry for the instance that serves it. Additions that are not in the vendor's API are
marked ``x-extension: true``.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from altpay.openapi import components, operations

Document = dict[str, Any]

_SCOPES = {
    "customers:read": "Read customers, their users and payment methods",
    "customers:write": "Create, change, archive and restore customers and their users",
}
_DESCRIPTION = """\
The Alternative Payments Customers API, as this service implements it: the vendor's
reference refined with required fields, formats, bounds, every status an operation can
answer and the headers that come with it. `x-extension: true` marks what the vendor's
reference does not have. Errors use `HttpError` (`OAuthError` at `/oauth/token`). A method
that a path does not have is `405` with an `Allow` header (`components.responses.MethodNotAllowed`);
an unknown path is `404`."""


def vendor_document() -> Document:
    """A fresh copy of the vendor's document, as shipped with the package."""
    text = resources.files(__package__).joinpath("vendor.json").read_text(encoding="utf-8")
    document: Document = json.loads(text)
    return document


@cache
def _refined() -> Document:
    document = vendor_document()
    document["info"]["description"] = _DESCRIPTION
    parts = document["components"]
    flow = parts["securitySchemes"]["OAuth2ClientCredentials"]["flows"]["clientCredentials"]
    # The vendor's operations require customers:read/customers:write, not its read/write.
    flow["scopes"] = dict(_SCOPES)
    components.refine_schemas(parts["schemas"])
    parts["headers"] = operations.headers()
    parts["parameters"] = {"IdempotencyKey": operations.idempotency_key_parameter()}
    parts["responses"] = {"MethodNotAllowed": operations.method_not_allowed()}
    for path_item in document["paths"].values():
        for operation in path_item.values():
            operations.refine_parameters(operation)
            operations.refine_operation(operation)
    document["paths"]["/oauth/token"] = operations.token_path()
    document["paths"].update(operations.health_paths())
    document["tags"] = [
        {"name": "Customers"},
        {"name": "OAuth", "description": "Access tokens (RFC 6749 client credentials)."},
        {"name": "Operations", "description": "Extension: probes for load balancers."},
    ]
    return document


def served_document(server_url: str | None = None) -> Document:
    """The refined document; ``servers`` names ``server_url`` when it is known."""
    document = copy.deepcopy(_refined())
    if server_url:
        document["servers"] = [{"url": server_url.rstrip("/"), "description": "This instance"}]
    else:
        document["servers"] = [{"url": "/"}]
    return document
