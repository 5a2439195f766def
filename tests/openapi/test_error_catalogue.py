"""The error classes are the catalogue; every route documents exactly what it can raise.

What the API really answers is held to the document by ``tests.support.openapi``'s hook on
every test client (``tests/conftest.py``); these tests hold the document to the classes and
to what the routes and their dependencies declare.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from altpay.auth.dependencies import BEARER_CHECKS
from altpay.core.errors import AppError, InvalidParameter, NotFound, Unavailable
from altpay.core.http.declarations import depends_on
from altpay.customers.errors import CustomerNotFound
from altpay.idempotency.dependencies import HEADER as IDEMPOTENCY_KEY
from altpay.openapi import catalogue
from altpay.openapi.document import api_routes
from tests.support.app import sqlite_client
from tests.support.openapi import DocumentedAnswers, declared_errors, documented_codes

Document = dict[str, Any]


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with sqlite_client(tmp_path_factory.mktemp("catalogue")) as client:
        yield client


@pytest.fixture(scope="module")
def served(app_client: TestClient) -> Document:
    document: Document = app_client.get("/openapi.json").json()
    return document


def operations_of(document: Document) -> Iterator[Document]:
    for item in document["paths"].values():
        yield from item.values()


def http_error_codes(operation: Document) -> dict[int, set[str]]:
    """Status -> the HttpError codes the operation documents (OAuthError's are not)."""
    documented: dict[int, set[str]] = {}
    for status, response in operation["responses"].items():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        refs = [part.get("$ref") for part in schema.get("allOf", [])]
        codes = documented_codes(response)
        if "#/components/schemas/HttpError" in refs and codes is not None:
            documented[int(status)] = set(codes)
    return documented


def test_every_class_with_a_code_of_its_own_says_what_it_means() -> None:
    classes = catalogue.error_classes()

    assert AppError in classes
    for kind in classes:
        assert "meaning" in vars(kind), kind
        assert kind.meaning, kind
        assert not kind.meaning.endswith("."), kind  # the description adds the full stop
    assert len({kind.code for kind in classes}) == len(classes)


def test_a_class_that_only_words_its_message_is_its_parents_code() -> None:
    classes = catalogue.error_classes()

    assert NotFound in classes
    assert CustomerNotFound not in classes
    assert catalogue.in_catalogue_order([CustomerNotFound]) == [NotFound]


def test_the_http_error_enum_is_the_catalogue_by_status(served: Document) -> None:
    enum = served["components"]["schemas"]["HttpError"]["properties"]["code"]["enum"]
    statuses = [kind.status for kind in catalogue.error_classes()]

    assert enum == catalogue.codes()
    assert statuses == sorted(statuses)
    assert enum[:3] == ["invalid_json", "invalid_parameter", "invalid_cursor"]


def test_every_code_is_documented_where_it_can_be_answered(served: Document) -> None:
    documented = {
        code
        for operation in operations_of(served)
        for codes in http_error_codes(operation).values()
        for code in codes
    }
    documented |= set(documented_codes(served["components"]["responses"]["MethodNotAllowed"]) or ())

    assert documented == set(catalogue.codes())


def test_every_operation_documents_what_its_route_and_dependencies_declare(
    app_client: TestClient, served: Document
) -> None:
    app = app_client.app
    assert isinstance(app, FastAPI)
    operations = {operation["operationId"]: operation for operation in operations_of(served)}
    routes = api_routes(app.routes)

    assert {route.operation_id for route in routes} == set(operations)
    for route in routes:
        declared: dict[int, set[str]] = {}
        for kind in [*declared_errors(route), *simulated_errors(route)]:
            declared.setdefault(kind.status, set()).add(kind.code)
        assert http_error_codes(operations[route.operation_id]) == declared, route.operation_id


def simulated_errors(route: APIRoute) -> list[type[AppError]]:
    """What Altpay-Simulate adds to an operation of a sandbox server: a malformed header's
    400 and a 503 to every one that takes a token; a 503 to the token endpoint (whose
    malformed header is RFC 6749's invalid_request)."""
    if route.operation_id == "createAccessToken":
        return [Unavailable]
    if depends_on(route, BEARER_CHECKS):
        return [InvalidParameter, Unavailable]
    return []


def test_an_operation_is_idempotent_when_its_route_reads_the_key(
    app_client: TestClient, served: Document
) -> None:
    generated = app_client.app.openapi()  # type: ignore[attr-defined]
    for path, item in generated["paths"].items():
        for method, operation in item.items():
            reads_key = any(p["name"] == IDEMPOTENCY_KEY for p in operation.get("parameters", []))
            ours = served["paths"][path][method]
            references = [p.get("$ref") for p in ours.get("parameters", [])]
            documents_key = "#/components/parameters/IdempotencyKey" in references
            assert documents_key == reads_key, operation["operationId"]
            replayed = [
                status
                for status, response in ours["responses"].items()
                if "Idempotent-Replayed" in response.get("headers", {})
            ]
            assert bool(replayed) == reads_key, operation["operationId"]


def test_the_hook_refuses_what_the_document_does_not_list(served: Document) -> None:
    answers = DocumentedAnswers(served)

    assert answers.problem("GET", "/customers/cus_1", 404, {"code": "not_found"}) is None
    assert answers.problem("GET", "/customers/cus_1", 200, None) is None
    assert answers.problem("PUT", "/customers/cus_1", 405, {"code": "method_not_allowed"}) is None
    assert answers.problem("GET", "/metrics", 403, {"code": "forbidden"}) is None
    assert answers.problem("POST", "/oauth/token", 401, {"error": "invalid_client"}) is None
    refused = [
        ("GET", "/customers/cus_1", 400, {"code": "customer_archived"}),  # a code of another status
        ("GET", "/customers/cus_1", 404, {"code": "customer_archived"}),  # a code of another
        ("DELETE", "/customers/cus_1/restore", 405, {"code": "not_found"}),
        ("POST", "/oauth/token", 400, {"error": "invalid_client"}),
        ("GET", "/customers/cus_1/payment-methods/pm_1", 409, {"code": "invalid_parameter"}),
        ("GET", "/customers", 500, {"detail": "not an HttpError"}),
    ]
    for method, path, status, body in refused:
        assert answers.problem(method, path, status, body) is not None, (method, path, status)
