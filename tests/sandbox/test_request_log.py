"""``GET /sandbox/requests``: each tenant's last 1,000 requests, newest first, with secrets,
tokens and card-like numbers redacted, and bodies cut at 16 KiB."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from altpay.sandbox.models import KEPT_PER_ACCOUNT, sandbox_requests
from tests.support.customers import create_customer
from tests.support.sandbox import logged_requests, new_tenant, rows_of
from tests.support.tenants import Tenant

ENTRY_FIELDS = {
    "request_id", "method", "path", "query", "status", "duration_ms", "created_at",
    "request_body", "response_body",
}  # fmt: skip
LUHN_VALID = "4242 4242 4242 4242"
KEPT_BYTES = 16 * 1024


@pytest.fixture
def tenant(api: TestClient) -> Tenant:
    return new_tenant(api)


def test_each_request_is_logged_newest_first(api: TestClient, tenant: Tenant) -> None:
    customer = create_customer(api, tenant)
    api.get(f"/customers/{customer['id']}?x=1", headers={**tenant.headers, "X-Request-Id": "r-42"})
    api.get("/customers/cus_01jdxq5v6zgkd8s7w3n0xmbf2a", headers=tenant.headers)

    entries = logged_requests(api, tenant)

    assert [(entry["method"], entry["status"]) for entry in entries[:3]] == [
        ("GET", 404),
        ("GET", 200),
        ("POST", 201),
    ]
    missing, read, created = entries[:3]
    assert set(read) == ENTRY_FIELDS
    assert read["request_id"] == "r-42"
    assert read["path"] == f"/customers/{customer['id']}"
    assert read["query"] == "x=1"
    assert read["request_body"] is None
    assert json.loads(read["response_body"]) == customer
    assert json.loads(created["request_body"]) == {"name": "Acme Corp", "email": "billing@acme.com"}
    assert missing["duration_ms"] > 0
    assert entries[-1]["path"] == "/oauth/token"  # the tenant's first request: its token
    assert created["created_at"] < read["created_at"] < missing["created_at"]


def test_reading_the_log_is_not_logged(api: TestClient, tenant: Tenant) -> None:
    first = logged_requests(api, tenant)
    second = logged_requests(api, tenant)

    assert first == second


def test_the_log_pages_with_cursors(api: TestClient, tenant: Tenant) -> None:
    for _ in range(4):
        api.get("/customers", headers=tenant.headers)
    first = api.get("/sandbox/requests?limit=2", headers=tenant.headers).json()
    second = api.get(
        f"/sandbox/requests?limit=2&after={first['end_cursor']}", headers=tenant.headers
    ).json()

    assert first["has_next_page"]
    assert not first["has_previous_page"]
    assert second["has_previous_page"]
    assert [entry["request_id"] for entry in first["data"] + second["data"]] == [
        entry["request_id"] for entry in logged_requests(api, tenant)[:4]
    ]
    bad = api.get("/sandbox/requests?after=forged", headers=tenant.headers)
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_cursor"


def test_a_tenant_sees_only_its_own_requests(api: TestClient, tenant: Tenant) -> None:
    other = new_tenant(api)
    create_customer(api, other, email="other@globex.example")

    mine = logged_requests(api, tenant)

    assert all("globex" not in (entry["request_body"] or "") for entry in mine)
    assert [entry["path"] for entry in mine] == ["/oauth/token"]
    assert api.get("/sandbox/requests").status_code == 401


def test_secrets_tokens_and_card_numbers_never_reach_the_log(
    api: TestClient, tenant: Tenant
) -> None:
    # The secret in a form and in Basic, the token in a body and a query, a card number in
    # a body (refused with 422) and in an accepted field's neighbour.
    customer_id = create_customer(api, tenant)["id"]
    api.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": tenant.client_id,
            "client_secret": tenant.client_secret,
        },
    )
    api.post(
        "/customers",
        json={"name": tenant.token, "email": "leak@acme.example", "city": tenant.client_secret},
        headers=tenant.headers,
    )
    api.post(
        "/customers",
        json={"name": f"Card {LUHN_VALID}", "email": "card@acme.example"},
        headers=tenant.headers,
    )
    api.get(f"/customers?company_name={tenant.token}", headers=tenant.headers)
    api.get("/customers?company_name=4242+4242+4242+4242", headers=tenant.headers)
    api.get(f"/customers/{LUHN_VALID.replace(' ', '')}", headers=tenant.headers)
    api.post(
        f"/customers/{customer_id}/payment-methods/bank",
        json={
            "account_data_type": "US",
            "us_account_data": {"routing_number": 11000015, "account_number": 123456789012},
        },
        headers=tenant.headers,
    )
    webhook = api.post(
        "/webhooks",
        json={"endpoint_url": "http://127.0.0.1:9/hooks", "topic": "invoice_paid"},
        headers=tenant.headers,
    )
    whsec = webhook.json()["secret_key"]

    served = json.dumps(logged_requests(api, tenant))
    stored = json.dumps(rows_of(api, sandbox_requests, account_id=tenant.account_id), default=str)

    for text in (served, stored):
        assert tenant.client_secret not in text
        assert tenant.token not in text
        assert whsec not in text
        assert LUHN_VALID not in text
        assert LUHN_VALID.replace(" ", "") not in text
        assert "access_token" in text  # the token replies are logged, their values masked
        assert "[redacted]" in text
        assert "123456789012" not in text  # a bank account number sent as a JSON number


def test_bodies_are_cut_at_16_kib(api: TestClient, tenant: Tenant) -> None:
    big = {"name": "Big", "email": "big@acme.example", "city": "x" * 50_000}

    api.post("/customers", json=big, headers=tenant.headers)
    (entry,) = [
        e
        for e in logged_requests(api, tenant)
        if e["method"] == "POST" and e["path"] == "/customers"
    ]

    assert len(entry["request_body"].encode()) == KEPT_BYTES
    assert entry["request_body"].startswith('{"name":"Big"')


def test_the_log_keeps_the_last_thousand(api: TestClient, tenant: Tenant) -> None:
    for number in range(KEPT_PER_ACCOUNT + 5):
        api.get(f"/customers?limit=1&n={number}", headers=tenant.headers)

    entries = logged_requests(api, tenant)

    assert len(entries) == KEPT_PER_ACCOUNT
    assert entries[0]["query"] == f"limit=1&n={KEPT_PER_ACCOUNT + 4}"
    assert entries[-1]["query"] == "limit=1&n=5"
    assert len(rows_of(api, sandbox_requests, account_id=tenant.account_id)) == KEPT_PER_ACCOUNT


def test_a_nul_in_a_request_is_logged_as_a_replacement_character(
    api: TestClient, tenant: Tenant
) -> None:
    # PostgreSQL text cannot hold NUL: such a request must not cost the log its batch.
    api.get("/customers/cus_%00x", headers=tenant.headers)
    refused = api.post(
        "/customers", json={"name": "A\u0000B", "email": "nul@acme.example"}, headers=tenant.headers
    )

    entries = logged_requests(api, tenant)

    assert refused.status_code == 422
    assert entries[0]["path"] == "/customers"
    assert entries[0]["status"] == 422  # its body's escaped NUL is text, and is kept so
    assert entries[1]["path"] == "/customers/cus_\ufffdx"
