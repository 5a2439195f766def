"""The served document refines the vendor's: everything of the vendor's is there, with more."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from altpay.auth.tokens import ALL_SCOPES
from altpay.customers.schemas import CreateCustomerInput, PatchCustomerRequest
from altpay.openapi import catalogue
from altpay.openapi.document import vendor_document
from altpay.users.schemas import CreateCustomerUserInput
from tests.support.app import sqlite_client

METHODS = ("get", "put", "post", "delete", "patch")
VENDOR = vendor_document()
VENDOR_OPERATIONS = [
    (path, method, operation)
    for path, item in VENDOR["paths"].items()
    for method, operation in item.items()
]
VENDOR_SCHEMAS = (
    "CustomerReply",
    "CreateCustomerInput",
    "PatchCustomerRequest",
    "PaginatedResponse-CustomerReply",
    "PaginatedResponse-CustomerUser",
    "CustomerUser",
    "CreateCustomerUserInput",
    "PaymentMethod",
    "MethodType",
    "GetPaymentMethodsReply",
    "HttpError",
)
INPUTS = {
    "CreateCustomerInput": CreateCustomerInput,
    "PatchCustomerRequest": PatchCustomerRequest,
    "CreateCustomerUserInput": CreateCustomerUserInput,
}


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with sqlite_client(tmp_path_factory.mktemp("openapi")) as client:
        yield client


@pytest.fixture(scope="module")
def served(app_client: TestClient) -> dict[str, Any]:
    reply = app_client.get("/openapi.json")
    assert reply.status_code == 200
    document: dict[str, Any] = reply.json()
    return document


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its ``$ref`` followed and an ``allOf`` merged, one level deep."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/")
        section, _, key = name.partition("/")
        return resolve(document, document["components"][section][key])
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged = merge(merged, resolve(document, part))
        return merged
    return schema


def merge(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    merged = dict(first)
    for key, value in second.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def types_of(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def assert_compatible(
    document: dict[str, Any], vendor: dict[str, Any], ours: dict[str, Any]
) -> None:
    """Every value valid for our schema's type is of the vendor's type, field by field."""
    vendor, ours = resolve(VENDOR, vendor), resolve(document, ours)
    assert types_of(vendor) <= types_of(ours) or not types_of(vendor)
    if "enum" in vendor:
        assert ours["enum"] == vendor["enum"]
    for name, field in vendor.get("properties", {}).items():
        assert name in ours["properties"], name
        assert_compatible(document, field, ours["properties"][name])
    if "items" in vendor:
        assert_compatible(document, vendor["items"], ours["items"])


@pytest.mark.parametrize(
    ("path", "method", "vendor"),
    VENDOR_OPERATIONS,
    ids=[operation["operationId"] for _, _, operation in VENDOR_OPERATIONS],
)
def test_every_vendor_operation_is_served_as_the_vendor_wrote_it(
    served: dict[str, Any], path: str, method: str, vendor: dict[str, Any]
) -> None:
    ours = served["paths"][path][method]

    for key in ("operationId", "summary", "description", "tags"):
        assert ours[key] == vendor[key]
    parameters = {
        (p["name"], p["in"]): p for p in map(lambda p: resolve(served, p), ours["parameters"])
    }
    for parameter in vendor.get("parameters", []):
        served_parameter = parameters[parameter["name"], parameter["in"]]
        assert served_parameter["description"] == parameter["description"]
        assert served_parameter.get("required", False) == parameter.get("required", False)
        assert_compatible(served, parameter["schema"], served_parameter["schema"])
    if "requestBody" in vendor:
        assert ours["requestBody"]["required"] == vendor["requestBody"]["required"]
        assert ours["requestBody"]["description"] == vendor["requestBody"]["description"]
        assert_compatible(
            served,
            vendor["requestBody"]["content"]["application/json"]["schema"],
            ours["requestBody"]["content"]["application/json"]["schema"],
        )
    for status, response in vendor["responses"].items():
        assert ours["responses"][status]["description"].startswith(response["description"])
        assert_compatible(
            served,
            response["content"]["application/json"]["schema"],
            ours["responses"][status]["content"]["application/json"]["schema"],
        )
    assert ours["security"] == vendor["security"]


def test_the_vendors_component_names_are_kept(served: dict[str, Any]) -> None:
    assert set(VENDOR_SCHEMAS) <= set(served["components"]["schemas"])
    for name in VENDOR_SCHEMAS:
        assert_compatible(
            served, VENDOR["components"]["schemas"][name], served["components"]["schemas"][name]
        )


def test_servers_name_the_instance_that_serves_the_document(app_client: TestClient) -> None:
    document = app_client.get("/openapi.json", headers={"Host": "api.example:8443"}).json()

    assert document["servers"] == [
        {"url": "http://api.example:8443", "description": "This instance"}
    ]


def test_the_scopes_are_the_ones_operations_require(served: dict[str, Any]) -> None:
    scheme = served["components"]["securitySchemes"]["OAuth2ClientCredentials"]
    flow = scheme["flows"]["clientCredentials"]
    required = {
        scope
        for item in served["paths"].values()
        for operation in item.values()
        for requirement in operation["security"]
        for scope in requirement.get("OAuth2ClientCredentials", [])
    }

    assert set(flow["scopes"]) == required == set(ALL_SCOPES)
    assert flow["tokenUrl"] == "/oauth/token"


@pytest.mark.parametrize(("name", "model"), INPUTS.items())
def test_inputs_are_closed_and_say_what_is_required(
    served: dict[str, Any], name: str, model: type[BaseModel]
) -> None:
    schema = served["components"]["schemas"][name]

    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(model.model_fields)
    assert schema["required"] == [n for n, f in model.model_fields.items() if f.is_required()]


def test_customer_fields_are_strings_on_create_and_nullable_in_a_patch(
    served: dict[str, Any],
) -> None:
    create = served["components"]["schemas"]["CreateCustomerInput"]["properties"]
    patch = served["components"]["schemas"]["PatchCustomerRequest"]["properties"]

    assert {field["type"] for field in create.values()} == {"string"}
    assert patch.pop("name")["type"] == "string"
    assert all(field["type"] == ["string", "null"] for field in patch.values())


def test_replies_require_every_field_they_always_carry(served: dict[str, Any]) -> None:
    schemas = served["components"]["schemas"]
    for name in (
        "CustomerReply",
        "CustomerUser",
        "PaymentMethod",
        "GetPaymentMethodsReply",
        "PaginatedResponse-CustomerReply",
        "PaginatedResponse-CustomerUser",
        "HttpError",
        "TokenReply",
        "OAuthError",
    ):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"]), name
    assert schemas["CustomerReply"]["properties"]["archived_at"]["x-extension"] is True
    assert schemas["HttpError"]["properties"]["code"]["enum"] == catalogue.codes()


def test_every_error_is_an_http_error_but_the_token_endpoints(served: dict[str, Any]) -> None:
    for path, item in served["paths"].items():
        for method, operation in item.items():
            assert method in METHODS
            for status, response in operation["responses"].items():
                assert "X-Request-Id" in response["headers"], (path, status)
                if status < "400":
                    continue
                schema = response["content"]["application/json"]["schema"]
                # The token endpoint's faults (500, 503) are HttpErrors, as every route's.
                fault = status in ("500", "503")
                error = "OAuthError" if path == "/oauth/token" and not fault else "HttpError"
                refs = [part.get("$ref") for part in schema.get("allOf", [schema])]
                assert f"#/components/schemas/{error}" in refs, (path, method, status)


def test_statuses_come_with_their_headers(served: dict[str, Any]) -> None:
    paths = served["paths"]
    create = paths["/customers"]["post"]["responses"]
    listing = paths["/customers"]["get"]["responses"]

    # 503: Altpay-Simulate's `unavailable` (the sandbox is on).
    assert set(create) == {
        "201", "400", "401", "403", "409", "413", "415", "422", "429", "500", "503"
    }  # fmt: skip
    assert set(listing) == {"200", "400", "401", "403", "429", "500", "503"}
    assert "Retry-After" in create["503"]["headers"]
    assert "Location" in create["201"]["headers"]
    assert "WWW-Authenticate-Bearer" in create["401"]["headers"]
    assert "WWW-Authenticate-Scope" in create["403"]["headers"]
    assert "Retry-After" in create["429"]["headers"]
    assert "Allow" in served["components"]["responses"]["MethodNotAllowed"]["headers"]


def test_extensions_are_marked(served: dict[str, Any]) -> None:
    listing = served["paths"]["/customers"]["get"]
    include_archived = [p for p in listing["parameters"] if p.get("name") == "include_archived"]

    assert include_archived[0]["x-extension"] is True
    assert served["components"]["parameters"]["IdempotencyKey"]["x-extension"] is True
    assert served["components"]["parameters"]["AltpaySimulate"]["x-extension"] is True
    assert served["paths"]["/sandbox/reset"]["post"]["x-extension"] is True
    assert served["paths"]["/healthz"]["get"]["x-extension"] is True
    assert served["paths"]["/readyz"]["get"]["x-extension"] is True


def test_the_token_endpoint_takes_a_form_and_answers_in_rfc_6749_terms(
    served: dict[str, Any],
) -> None:
    token = served["paths"]["/oauth/token"]["post"]
    form = token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]

    assert set(resolve(served, form)["properties"]) == {
        "grant_type",
        "scope",
        "client_id",
        "client_secret",
    }
    assert set(token["responses"]) == {"200", "400", "401", "429", "500", "503"}
    assert token["security"] == []


def test_every_parameter_the_routes_read_is_documented(
    app_client: TestClient, served: dict[str, Any]
) -> None:
    generated = app_client.app.openapi()  # type: ignore[attr-defined]
    for path, item in generated["paths"].items():
        for method, operation in item.items():
            documented = {
                (p["name"], p["in"])
                for p in map(
                    lambda p: resolve(served, p),
                    served["paths"][path][method].get("parameters", []),
                )
            }
            read = {(p["name"], p["in"]) for p in operation.get("parameters", [])}
            assert read <= documented, (path, method)


# Strings at the edges of what the validators accept: trimming, control characters,
# lengths counted after trimming, Unicode white space that pydantic strips and that it keeps.
TRICKY = [
    "",
    " ",
    "a",
    " a ",
    "\u00a0a\u3000",
    "\x1fa",
    "a\x00b",
    "a\u0085",
    "\u0085a",
    "a\u200bb",
    "\ufeffa",
    "é",
    "x" * 100,
    "x" * 101,
    " " + "x" * 100 + "\t",
    "x" * 254,
    "\n" + "x" * 254 + "\n",
    "x" * 255,
    " " + "x" * 255 + " ",
    "x" * 256,
    "a@b.co",
    " a@b.co ",
    "12-3456789",
    "123456789",
    " 123456789 ",
    "12-345678",
    "us",
    "USA",
    " usa ",
    "\u0131t",  # a dotless i, which str.upper() turns into an ASCII I
    "U1",
    "ZZZZ",
]


# Fields whose validity the pattern can only bound: an ISO 3166-1 code that must exist, an
# e-mail address, and the US/Canadian state and postal code checked against the country.
BOUNDED_ONLY = {"country", "email", "state", "postal_code"}


@pytest.mark.parametrize(("name", "model"), INPUTS.items())
def test_input_patterns_accept_exactly_what_the_service_accepts(
    served: dict[str, Any], name: str, model: type[BaseModel]
) -> None:
    schema = served["components"]["schemas"][name]
    valid = {
        "name": "Acme",
        "email": "a@b.co",
        "first_name": "Ana",
        "last_name": "Lopez",
        "endpoint_url": "https://example.com/hooks",
        "topic": "invoice_paid",
    }
    required = {field: valid[field] for field in schema["required"]}
    for field, spec in schema["properties"].items():
        pattern = re.compile(spec["pattern"])
        for value in TRICKY:
            try:
                model.model_validate({**required, field: value})
                accepted = True
            except ValidationError:
                accepted = False
            matched = pattern.search(value) is not None
            if field in BOUNDED_ONLY:
                assert matched or not accepted, (field, value)
            else:
                assert matched == accepted, (field, value)


def test_the_document_is_plain_json_that_round_trips(served: dict[str, Any]) -> None:
    assert json.loads(json.dumps(served)) == served


PAYMENT_METHOD_WRITES = {
    ("/customers/{id}/payment-methods/card", "post"): ("addCardPaymentMethod", "201", True),
    ("/customers/{id}/payment-methods/bank", "post"): ("addBankPaymentMethod", "201", True),
    ("/customers/{id}/payment-methods/{method_id}", "delete"): (
        "deletePaymentMethod",
        "200",
        False,
    ),
    ("/customers/{id}/payment-methods/{method_id}/default", "patch"): (
        "changeDefaultPaymentMethod",
        "200",
        True,
    ),
}


@pytest.mark.parametrize(("where", "what"), PAYMENT_METHOD_WRITES.items())
def test_the_payment_method_writes_are_documented(
    served: dict[str, Any], where: tuple[str, str], what: tuple[str, str, bool]
) -> None:
    path, method = where
    operation_id, success, idempotent = what
    operation = served["paths"][path][method]
    names = [p.get("name") or p.get("$ref", "").rsplit("/", 1)[-1] for p in operation["parameters"]]

    assert operation["operationId"] == operation_id
    assert operation["security"] == [{"OAuth2ClientCredentials": ["customers:write"]}]
    assert {success, "401", "403", "404", "500"} <= set(operation["responses"])
    assert ("IdempotencyKey" in names) is idempotent
    if "requestBody" in operation:
        codes = operation["responses"]["422"]["content"]["application/json"]["schema"]["allOf"]
        assert "card_number_not_allowed" in codes[1]["properties"]["code"]["enum"]


def test_the_payment_method_inputs_are_closed_and_its_extensions_marked(
    served: dict[str, Any],
) -> None:
    schemas = served["components"]["schemas"]
    for name in ("AddCardPaymentMethodInput", "AddBankPaymentMethodInput", "USAccountData"):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["AddCardPaymentMethodInput"]["required"] == ["provider", "card_provider_token"]
    assert schemas["AddBankPaymentMethodInput"]["required"] == ["account_data_type", "subtype"]
    reply = schemas["PaymentMethod"]["properties"]
    assert all(
        reply[field]["x-extension"] is True for field in ("custom_name", "funding", "country")
    )
    assert schemas["ChangeDefaultResponse"]["required"] == ["response"]
