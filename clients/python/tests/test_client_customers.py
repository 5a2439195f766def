"""Every customers, users and payment-methods read method, against a real server."""

from __future__ import annotations

import json

import pytest

from altpay_client import (
    AuthenticationError,
    BadRequestError,
    Client,
    Customer,
    CustomerCreateParams,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from conftest import altpay_cli, raw_get
from tests.support.server import Server
from tests.support.tenants import ApiClient

ACME: CustomerCreateParams = {
    "name": "Acme Corp",
    "email": "billing@acme.example",
    "ein": "123456789",
    "street_address": "1 Market St",
    "city": "San Francisco",
    "state": "CA",
    "postal_code": "94105",
    "country": "USA",
    "external_id": "crm-42",
}


def test_create_get_update_archive_restore(
    client: Client, server: Server, credentials: ApiClient
) -> None:
    created = client.customers.create(**ACME)
    assert created.id.startswith("cus_")
    assert created.ein == "12-3456789"
    assert created.archived_at == ""
    assert created == Customer.from_json(raw_get(server, credentials, f"/customers/{created.id}"))
    assert client.customers.get(created.id) == created

    patched = client.customers.update(created.id, legal_name="Acme Corporation", city=None)
    assert (patched.legal_name, patched.city, patched.name) == ("Acme Corporation", "", "Acme Corp")

    archived = client.customers.archive(created.id)
    assert archived.archived_at != ""
    assert [c.id for c in client.customers.list()] == []
    assert [c.id for c in client.customers.list(include_archived=True)] == [created.id]
    restored = client.customers.restore(created.id)
    assert restored.archived_at == ""
    assert [c.id for c in client.customers.list()] == [created.id]


def test_list_filters(client: Client) -> None:
    first = client.customers.create(name="Globex", email="a@globex.example")
    second = client.customers.create(name="Initech", email="b@initech.example")
    assert [c.id for c in client.customers.list(company_name="glob")] == [first.id]
    since = client.customers.list(created_at_start=second.created_at)
    assert [c.id for c in since] == [second.id]
    until = client.customers.list(created_at_end=first.created_at)
    assert [c.id for c in until] == [first.id]


def test_errors_carry_code_message_status_and_request_id(client: Client) -> None:
    with pytest.raises(NotFoundError) as missing:
        client.customers.get("cus_nope")
    assert (missing.value.status, missing.value.code) == (404, "not_found")
    assert missing.value.message
    assert missing.value.request_id

    with pytest.raises(ValidationError) as invalid:
        client.customers.create(name="No Mail", email="not-an-address")
    assert (invalid.value.status, invalid.value.code) == (422, "validation_error")
    assert "email" in invalid.value.validation_errors

    created = client.customers.create(name="Twice", email="t@example.com")
    client.customers.archive(created.id)
    with pytest.raises(BadRequestError) as state:
        client.customers.archive(created.id)
    assert state.value.code == "customer_already_archived"


def test_wrong_secret_and_missing_scope(server: Server, credentials: ApiClient) -> None:
    wrong = Client(server.base_url, credentials.client_id, "sk_wrong")
    with wrong, pytest.raises(AuthenticationError) as refused:
        wrong.customers.get("cus_x")
    assert (refused.value.status, refused.value.code) == (401, "invalid_client")

    reader = Client(
        server.base_url,
        credentials.client_id,
        credentials.client_secret,
        scope="customers:read",
    )
    with reader, pytest.raises(PermissionDeniedError) as denied:
        reader.customers.create(name="Nope", email="n@example.com")
    assert (denied.value.status, denied.value.code) == (403, "forbidden")


def test_users_create_and_list(client: Client, server: Server, credentials: ApiClient) -> None:
    customer = client.customers.create(name="Users Inc", email="u@example.com")
    ana = client.customers.users.create(
        customer.id, email="ana@acme.example", first_name="Ana", last_name="Lopez"
    )
    assert (ana.first_name, ana.job_title, ana.phone) == ("Ana", "", "")
    ben = client.customers.users.create(
        customer.id, email="ben@acme.example", first_name="Ben", last_name="Ng"
    )
    assert [u.id for u in client.customers.users.list(customer.id)] == [ben.id, ana.id]
    raw = raw_get(server, credentials, f"/customers/{customer.id}/users")
    assert [u["id"] for u in raw["data"]] == [ben.id, ana.id]
    with pytest.raises(ValidationError) as duplicate:
        client.customers.users.create(
            customer.id, email="ANA@acme.example", first_name="A", last_name="L"
        )
    assert duplicate.value.validation_errors


def test_payment_methods_list_and_get(
    client: Client, server: Server, credentials: ApiClient
) -> None:
    customer = client.customers.create(name="Cards Ltd", email="c@example.com")
    added = json.loads(
        altpay_cli(
            server,
            *("payment-methods", "add", "--customer", customer.id, "--type", "card"),
            *("--brand", "visa", "--last4", "4242", "--exp-month", "12", "--exp-year", "2031"),
            *("--default", "--json"),
        )
    )
    methods = client.customers.payment_methods.list(customer.id)
    assert [m.id for m in methods] == [added["id"]]
    method = client.customers.payment_methods.get(customer.id, added["id"])
    assert (method.type, method.brand, method.last4) == ("card", "visa", "4242")
    assert method.default
    assert method == methods[0]
    assert client.customers.get(customer.id).default_payment_method_id == added["id"]
    raw = raw_get(server, credentials, f"/customers/{customer.id}/payment-methods")
    assert [m["id"] for m in raw["data"]] == [added["id"]]
    with pytest.raises(NotFoundError):
        client.customers.payment_methods.get(customer.id, "pm_missing")
