"""The outbox: each change writes its events in its own transaction, exactly once.

No delivery runs here (the subscriptions name a closed loopback port); the events are read
back through GET /webhooks/events.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from altpay.auth.tokens import SCOPE_READ
from altpay.core.db import SqlConnection
from altpay.customers import service as customers
from altpay.customers.schemas import CreateCustomerInput
from altpay.webhooks.topics import FIRED
from tests.support.app import write_in_app
from tests.support.customers import get_customer, new_customer
from tests.support.errors import assert_http_error, assert_insufficient_scope
from tests.support.payment_methods import add_card, methods_url
from tests.support.tenants import Tenant, create_tenant

ENDPOINT = "http://127.0.0.1:9/hooks"  # loopback, nothing listening
EVENT_FIELDS = {
    "id",
    "subscription_id",
    "topic",
    "status",
    "attempts",
    "last_attempt_at",
    "last_response_status",
    "next_attempt_at",
    "created_at",
    "data",
}


def subscribe_all(api: TestClient, tenant: Tenant, url: str = ENDPOINT) -> dict[str, str]:
    """A subscription of ``url`` to every topic that fires: topic -> subscription id."""
    ids = {}
    for topic in FIRED:
        reply = api.post(
            "/webhooks", json={"endpoint_url": url, "topic": topic}, headers=tenant.headers
        )
        assert reply.status_code == 201, reply.text
        ids[topic] = reply.json()["id"]
    return ids


def events(api: TestClient, tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    """The account's events, oldest first."""
    reply = api.get("/webhooks/events", params={"limit": 100, **params}, headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    return list(reversed(reply.json()["data"]))


def topics_of(listed: list[dict[str, Any]]) -> list[str]:
    return [event["topic"] for event in listed]


def test_every_topic_fires_once_with_the_object_as_the_api_returns_it(
    api: TestClient, tenant: Tenant
) -> None:
    subscriptions = subscribe_all(api, tenant)
    customer_id = new_customer(api, tenant)
    created = get_customer(api, tenant, customer_id=customer_id)
    patched = api.patch(
        f"/customers/{customer_id}", json={"city": "Austin"}, headers=tenant.headers
    )
    first = add_card(api, tenant, customer_id)
    with_default = get_customer(api, tenant, customer_id=customer_id)
    second = add_card(api, tenant, customer_id, "tok_mastercard")
    api.patch(f"{methods_url(customer_id)}/{second['id']}/default", headers=tenant.headers)
    second_default = get_customer(api, tenant, customer_id=customer_id)
    deleted = api.delete(f"{methods_url(customer_id)}/{second['id']}", headers=tenant.headers)
    without_default = get_customer(api, tenant, customer_id=customer_id)
    archived = api.delete(f"/customers/{customer_id}", headers=tenant.headers)
    restored = api.post(f"/customers/{customer_id}/restore", headers=tenant.headers)

    listed = events(api, tenant)

    assert [(event["topic"], event["data"]) for event in listed] == [
        ("customer_created", created),
        ("customer_updated", patched.json()),
        ("payment_method_added", first),
        ("default_payment_method_changed", with_default),
        ("payment_method_added", second),
        ("default_payment_method_changed", second_default),
        ("payment_method_deleted", deleted.json()),
        ("default_payment_method_changed", without_default),
        ("customer_archived", archived.json()),
        ("customer_restored", restored.json()),
    ]
    assert with_default["default_payment_method_id"] == first["id"]
    assert without_default["default_payment_method_id"] == ""
    for event in listed:
        assert set(event) == EVENT_FIELDS
        assert event["id"].startswith("evt_")
        assert event["subscription_id"] == subscriptions[event["topic"]]
        assert event["status"] == "pending"
        assert event["attempts"] == 0
        assert event["last_attempt_at"] is None
        assert event["last_response_status"] is None
    assert len({event["id"] for event in listed}) == len(listed)


def test_a_change_that_fails_reports_nothing(api: TestClient, tenant: Tenant) -> None:
    subscribe_all(api, tenant)
    customer_id = new_customer(api, tenant)
    before = events(api, tenant)
    url = f"/customers/{customer_id}"

    failures = [
        api.post("/customers", json={"name": "", "email": "x"}, headers=tenant.headers),
        api.patch(url, json={"country": "US", "state": "ZZ"}, headers=tenant.headers),
        api.post(f"{url}/restore", headers=tenant.headers),
        api.post(
            f"{methods_url(customer_id)}/card",
            json={"provider": "sandbox", "card_provider_token": "tok_nope"},
            headers=tenant.headers,
        ),
        api.delete(
            f"{methods_url(customer_id)}/pm_01jdz0000000000000000000000", headers=tenant.headers
        ),
    ]

    assert [reply.status_code for reply in failures] == [422, 422, 400, 422, 404]
    assert events(api, tenant) == before


def test_a_change_that_rolls_back_reports_nothing(api: TestClient, tenant: Tenant) -> None:
    subscribe_all(api, tenant)

    async def create_then_fail(connection: SqlConnection) -> None:
        data = CreateCustomerInput(name="Rolled back", email="rb@example.com")
        await customers.create_customer(connection, tenant.account_id, data)
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        write_in_app(api, create_then_fail)

    assert events(api, tenant) == []


def test_only_active_subscriptions_of_the_account_to_the_topic_get_events(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = api.post(
        "/webhooks",
        json={"endpoint_url": ENDPOINT, "topic": "customer_created"},
        headers=tenant.headers,
    ).json()
    customer_id = new_customer(api, tenant)
    api.patch(f"/customers/{customer_id}", json={"city": "Austin"}, headers=tenant.headers)
    new_customer(api, other_tenant)
    pending = events(api, tenant)

    api.delete(f"/webhooks/{created['id']}", headers=tenant.headers)
    new_customer(api, tenant)

    assert topics_of(pending) == ["customer_created"]
    assert events(api, other_tenant) == []
    cancelled = events(api, tenant)
    assert [event["id"] for event in cancelled] == [pending[0]["id"]]
    assert cancelled[0]["status"] == "failed"
    assert cancelled[0]["next_attempt_at"] is None


def test_events_filter_and_need_the_read_scope(api: TestClient, tenant: Tenant) -> None:
    subscribe_all(api, tenant)
    customer_id = new_customer(api, tenant)
    api.delete(f"/customers/{customer_id}", headers=tenant.headers)
    created_at = events(api, tenant)[1]["created_at"]

    assert topics_of(events(api, tenant, topic="customer_archived")) == ["customer_archived"]
    assert len(events(api, tenant, status="pending")) == 2
    assert events(api, tenant, status="delivered") == []
    assert topics_of(events(api, tenant, created_at_start=created_at)) == ["customer_archived"]
    assert topics_of(events(api, tenant, created_at_end=created_at)) == [
        "customer_created",
        "customer_archived",
    ]
    backwards = {"created_at_start": created_at, "created_at_end": "2000-01-01T00:00:00Z"}
    invalid = ({"status": "lost"}, {"topic": "nope"}, {"created_at_start": "yesterday"})
    for bad in invalid:
        reply = api.get("/webhooks/events", params=bad, headers=tenant.headers)
        assert_http_error(reply, 400, "invalid_parameter", fields=set(bad))
    reply = api.get("/webhooks/events", params=backwards, headers=tenant.headers)
    assert_http_error(reply, 400, "invalid_parameter", fields={"created_at_start"})
    customers_only = create_tenant(api, scopes=(SCOPE_READ,), name="Customers")
    assert_insufficient_scope(api.get("/webhooks/events", headers=customers_only.headers))
