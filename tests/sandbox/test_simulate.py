"""``Altpay-Simulate``: faults on demand, answered exactly as the real ones, writing nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from altpay.auth.schemas import NewClientOut
from altpay.core.settings import Settings
from altpay.customers.models import customers
from altpay.idempotency.models import idempotency_keys
from altpay.sandbox.models import sandbox_requests
from tests.support.app import app_client
from tests.support.customers import create_customer
from tests.support.sandbox import new_tenant, rows_of
from tests.support.tenants import Tenant, create_tenant, signed_in

SIMULATE = "Altpay-Simulate"
NEW_CUSTOMER = {"name": "Simulated", "email": "sim@acme.example"}


@pytest.fixture
def tenant(api: TestClient) -> Tenant:
    return new_tenant(api)


def simulated(tenant: Tenant, value: str, **headers: str) -> dict[str, str]:
    return {**tenant.headers, SIMULATE: value, **headers}


def test_rate_limited_answers_as_the_limit_does(api: TestClient, tenant: Tenant) -> None:
    reply = api.get("/customers", headers=simulated(tenant, "rate_limited"))

    assert reply.status_code == 429
    assert reply.json() == {
        "code": "rate_limited",
        "message": "Too many requests; retry after the time in Retry-After.",
        "validation_errors": {},
    }
    assert int(reply.headers["Retry-After"]) >= 1


def test_server_error_and_unavailable(api: TestClient, tenant: Tenant) -> None:
    failed = api.get("/customers", headers=simulated(tenant, "server_error"))
    unavailable = api.get("/customers", headers=simulated(tenant, "unavailable"))

    assert failed.status_code == 500
    assert failed.json()["code"] == "internal_error"
    assert unavailable.status_code == 503
    assert unavailable.json()["code"] == "unavailable"
    assert int(unavailable.headers["Retry-After"]) >= 1


def test_an_error_code_of_the_operation_comes_with_its_status(
    api: TestClient, tenant: Tenant
) -> None:
    customer = create_customer(api, tenant)
    url = f"/customers/{customer['id']}"

    archived = api.patch(
        url, json={"city": "Paris"}, headers=simulated(tenant, "error=customer_archived")
    )
    missing = api.get(url, headers=simulated(tenant, "error=not_found"))
    unauthorized = api.get(url, headers=simulated(tenant, "error=unauthorized"))

    assert archived.status_code == 400
    assert archived.json()["code"] == "customer_archived"
    really_missing = api.get("/customers/cus_01jdxq5v6zgkd8s7w3n0xmbf2a", headers=tenant.headers)
    assert missing.status_code == 404
    assert missing.json() == really_missing.json()
    assert unauthorized.status_code == 401
    assert unauthorized.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert api.get(url, headers=tenant.headers).json()["city"] == customer["city"]


@pytest.mark.parametrize(
    "value",
    [
        "error=customer_archived",
        "error=no_such_code",
        "latency=30001",
        "latency=0000010",
        "latency=-1",
        "teapot",
        "",
    ],
)
def test_a_simulation_the_operation_cannot_answer_is_a_400(
    api: TestClient, tenant: Tenant, value: str
) -> None:
    # GET /customers/{id} never answers customer_archived.
    customer = create_customer(api, tenant)
    reply = api.get(f"/customers/{customer['id']}", headers=simulated(tenant, value))

    assert reply.status_code == 400
    assert reply.json()["code"] == "invalid_parameter"
    assert SIMULATE in reply.json()["validation_errors"]


def test_latency_delays_the_normal_answer(api: TestClient, tenant: Tenant) -> None:
    started = time.monotonic()
    reply = api.post("/customers", json=NEW_CUSTOMER, headers=simulated(tenant, "latency=300"))

    assert reply.status_code == 201
    assert time.monotonic() - started >= 0.3
    assert len(rows_of(api, customers, account_id=tenant.account_id)) == 1


@pytest.mark.parametrize(
    "value", ["server_error", "unavailable", "rate_limited", "error=validation_error"]
)
def test_a_simulated_failure_writes_nothing_and_stores_no_key(
    api: TestClient, tenant: Tenant, value: str
) -> None:
    headers = simulated(tenant, value, **{"Idempotency-Key": "retry-me"})

    failed = api.post("/customers", json=NEW_CUSTOMER, headers=headers)

    assert failed.status_code >= 400
    assert rows_of(api, customers, account_id=tenant.account_id) == []
    assert rows_of(api, idempotency_keys, account_id=tenant.account_id) == []
    # The retry the client's code makes is the first real request under the key.
    retried = api.post(
        "/customers", json=NEW_CUSTOMER, headers={**tenant.headers, "Idempotency-Key": "retry-me"}
    )
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers


def test_a_simulated_error_of_the_kind_a_key_stores_is_not_stored(
    api: TestClient, tenant: Tenant
) -> None:
    # A real 404 under a key is stored and replayed; a simulated one must leave the key free.
    customer = create_customer(api, tenant)
    api.delete(f"/customers/{customer['id']}", headers=tenant.headers).raise_for_status()
    restore = f"/customers/{customer['id']}/restore"

    failed = api.post(
        restore, headers=simulated(tenant, "error=not_found", **{"Idempotency-Key": "r-1"})
    )

    assert failed.status_code == 404
    assert rows_of(api, idempotency_keys, account_id=tenant.account_id) == []
    retried = api.post(restore, headers={**tenant.headers, "Idempotency-Key": "r-1"})
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried.headers
    assert retried.json()["archived_at"] in (None, "")


def test_authentication_comes_first(api: TestClient) -> None:
    reply = api.get("/customers", headers={SIMULATE: "server_error"})

    assert reply.status_code == 401


def test_the_token_endpoint_simulates_in_rfc_6749_terms(api: TestClient, tenant: Tenant) -> None:
    def token(value: str) -> object:
        return api.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(tenant.client_id, tenant.client_secret),
            headers={SIMULATE: value},
        )

    invalid_scope, limited, failed, bad = (
        token("error=invalid_scope"), token("rate_limited"), token("server_error"), token("nope")
    )  # fmt: skip

    assert invalid_scope.status_code == 400  # type: ignore[attr-defined]
    assert invalid_scope.json()["error"] == "invalid_scope"  # type: ignore[attr-defined]
    assert limited.status_code == 429  # type: ignore[attr-defined]
    assert limited.json()["error"] == "rate_limited"  # type: ignore[attr-defined]
    assert "Retry-After" in limited.headers  # type: ignore[attr-defined]
    assert failed.status_code == 500  # type: ignore[attr-defined]
    assert failed.json()["code"] == "internal_error"  # type: ignore[attr-defined]
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert bad.json()["error"] == "invalid_request"  # type: ignore[attr-defined]


@pytest.fixture
def production(settings: Settings) -> Iterator[TestClient]:
    with app_client(settings.model_copy(update={"env": "production"})) as client:
        yield client


def test_in_production_the_header_is_ignored_and_sandbox_paths_are_404(
    production: TestClient,
) -> None:
    tenant = create_tenant(production)

    listed = production.get("/customers", headers=simulated(tenant, "server_error"))
    document = production.get("/openapi.json").json()

    assert listed.status_code == 200
    assert rows_of(production, sandbox_requests) == []
    for method, path in (
        ("POST", "/sandbox/tenants"),
        ("POST", "/sandbox/reset"),
        ("GET", "/sandbox/requests"),
    ):
        reply = production.request(method, path, headers=tenant.headers)
        assert reply.status_code == 404, (method, path)
        assert reply.json()["code"] == "not_found"
    assert not [path for path in document["paths"] if path.startswith("/sandbox")]
    assert "AltpaySimulate" not in document["components"]["parameters"]


def test_in_production_an_explicit_sandbox_turns_it_all_on(settings: Settings) -> None:
    enabled = settings.model_copy(update={"env": "production", "sandbox": True})
    with app_client(enabled, peer=("127.0.0.1", 40000)) as api:
        tenant = new_tenant_from_loopback(api)
        assert api.get("/customers", headers=simulated(tenant, "server_error")).status_code == 500
        assert api.get("/sandbox/requests", headers=tenant.headers).status_code == 200


def new_tenant_from_loopback(api: TestClient) -> Tenant:
    created = api.post("/sandbox/tenants", json={}).json()
    fields = ("client_id", "client_secret", "account_id", "scopes")
    return signed_in(api, NewClientOut(**{name: created[name] for name in fields}))
