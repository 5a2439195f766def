"""POST/GET/DELETE /webhooks: validation, the SSRF guard, tenancy, scopes, duplicates.

Network safety: a URL the guard must refuse is only ever subscribed to ``invoice_paid``, a
topic that never fires, so that a wrong acceptance still sends nothing anywhere.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from altpay.auth.tokens import SCOPE_READ, SCOPE_WEBHOOKS_READ, SCOPE_WEBHOOKS_WRITE
from altpay.core.settings import Settings
from tests.support.app import app_client
from tests.support.errors import assert_http_error, assert_insufficient_scope
from tests.support.tenants import Tenant, create_tenant

NEVER_FIRES = "invoice_paid"
LOOPBACK = "http://127.0.0.1:9/hooks"
SUBSCRIPTION_FIELDS = {
    "id",
    "endpoint_url",
    "topic",
    "is_active",
    "partner_id",
    "secret_last_4_digits",
    "created_at",
    "updated_at",
}


def subscribe(api: TestClient, tenant: Tenant, body: dict[str, Any], **headers: str) -> Any:
    return api.post("/webhooks", json=body, headers={**tenant.headers, **headers})


def subscribed(api: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    reply = subscribe(api, tenant, {"endpoint_url": LOOPBACK, "topic": NEVER_FIRES, **body})
    assert reply.status_code == 201, reply.text
    created: dict[str, Any] = reply.json()
    return created


def listed(api: TestClient, tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    reply = api.get("/webhooks", params=params, headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    return list(reply.json()["data"])


def test_a_subscription_without_a_secret_gets_one_shown_once(
    api: TestClient, tenant: Tenant
) -> None:
    created = subscribed(api, tenant)

    secret = created.pop("secret_key")
    assert set(created) == SUBSCRIPTION_FIELDS
    assert created["id"].startswith("whk_")
    assert created["is_active"] is True
    assert created["partner_id"] == tenant.account_id
    assert created["endpoint_url"] == LOOPBACK
    assert created["topic"] == NEVER_FIRES
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert created["secret_last_4_digits"] == secret[-4:]
    assert listed(api, tenant) == [created]


def test_a_given_secret_is_never_returned(api: TestClient, tenant: Tenant) -> None:
    created = subscribed(api, tenant, secret_key="my-own-secret-0123456789")

    assert set(created) == SUBSCRIPTION_FIELDS
    assert created["secret_last_4_digits"] == "6789"


def test_an_idempotent_replay_answers_the_same(api: TestClient, tenant: Tenant) -> None:
    body = {"endpoint_url": LOOPBACK, "topic": NEVER_FIRES}
    first = subscribe(api, tenant, body, **{"Idempotency-Key": "hook-1"})
    again = subscribe(api, tenant, body, **{"Idempotency-Key": "hook-1"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(listed(api, tenant)) == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"topic": NEVER_FIRES}, {"endpoint_url"}),
        ({"endpoint_url": LOOPBACK}, {"topic"}),
        ({"endpoint_url": LOOPBACK, "topic": "customer_exploded"}, {"topic"}),
        ({"endpoint_url": LOOPBACK, "topic": NEVER_FIRES, "extra": 1}, {"extra"}),
        ({"endpoint_url": LOOPBACK, "topic": NEVER_FIRES, "secret_key": "short"}, {"secret_key"}),
        ({"endpoint_url": "ftp://127.0.0.1/x", "topic": NEVER_FIRES}, {"endpoint_url"}),
        ({"endpoint_url": "not a url", "topic": NEVER_FIRES}, {"endpoint_url"}),
        ({"endpoint_url": "https://user:pw@127.0.0.1/", "topic": NEVER_FIRES}, {"endpoint_url"}),
        ({"endpoint_url": "https://127.0.0.1:99999/", "topic": NEVER_FIRES}, {"endpoint_url"}),
        ({"endpoint_url": "https://169.254.169.254/", "topic": NEVER_FIRES}, {"endpoint_url"}),
        ({"endpoint_url": "https://[fe80::1]/", "topic": NEVER_FIRES}, {"endpoint_url"}),
        ({"endpoint_url": "https://0.0.0.0/", "topic": NEVER_FIRES}, {"endpoint_url"}),
        ({"endpoint_url": "http://10.0.0.1/", "topic": NEVER_FIRES}, {"endpoint_url"}),
    ],
)
def test_invalid_subscriptions_are_422(
    api: TestClient, tenant: Tenant, body: dict[str, Any], fields: set[str]
) -> None:
    assert_http_error(subscribe(api, tenant, body), 422, "validation_error", fields=fields)
    assert listed(api, tenant) == []


def test_the_vendors_other_topics_are_accepted(api: TestClient, tenant: Tenant) -> None:
    for topic in ("invoice_created", "payment_succeeded", "payout_paid"):
        assert subscribed(api, tenant, topic=topic)["topic"] == topic


def test_a_duplicate_is_422_until_the_first_is_deleted(api: TestClient, tenant: Tenant) -> None:
    first = subscribed(api, tenant)
    duplicate = subscribe(api, tenant, {"endpoint_url": LOOPBACK, "topic": NEVER_FIRES})
    assert_http_error(duplicate, 422, "validation_error", fields={"endpoint_url"})
    other_topic = subscribed(api, tenant, topic="invoice_created")

    deleted = api.delete(f"/webhooks/{first['id']}", headers=tenant.headers)
    again = subscribed(api, tenant)

    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["is_active"] is False
    assert deleted.json()["id"] == first["id"]
    assert again["id"] != first["id"]
    assert [s["id"] for s in listed(api, tenant)] == [again["id"], other_topic["id"], first["id"]]


def test_delete_is_idempotent_and_unknown_ids_are_404(api: TestClient, tenant: Tenant) -> None:
    created = subscribed(api, tenant)
    url = f"/webhooks/{created['id']}"

    assert api.delete(url, headers=tenant.headers).json()["is_active"] is False
    assert api.delete(url, headers=tenant.headers).json()["is_active"] is False
    for missing in ("whk_01jdz0000000000000000000000", "nope", "cus_01jdz00000000000000000000"):
        reply = api.delete(f"/webhooks/{missing}", headers=tenant.headers)
        assert_http_error(reply, 404, "not_found", fields=())


def test_another_accounts_subscription_does_not_exist(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = subscribed(api, tenant)

    reply = api.delete(f"/webhooks/{created['id']}", headers=other_tenant.headers)

    assert_http_error(reply, 404, "not_found", fields=())
    assert listed(api, other_tenant) == []
    assert listed(api, tenant)[0]["is_active"] is True


def test_the_list_filters_and_pages(api: TestClient, tenant: Tenant) -> None:
    ids = [subscribed(api, tenant, endpoint_url=f"{LOOPBACK}/{n}")["id"] for n in range(3)]
    other = subscribed(api, tenant, topic="invoice_created")["id"]
    api.delete(f"/webhooks/{ids[0]}", headers=tenant.headers)

    assert [s["id"] for s in listed(api, tenant, topic=NEVER_FIRES)] == ids[::-1]
    assert [s["id"] for s in listed(api, tenant, is_active="false")] == [ids[0]]
    assert [s["id"] for s in listed(api, tenant, is_active="true")] == [other, ids[2], ids[1]]
    first = api.get("/webhooks", params={"limit": 2}, headers=tenant.headers).json()
    rest = api.get(
        "/webhooks", params={"limit": 2, "after": first["end_cursor"]}, headers=tenant.headers
    ).json()
    assert [s["id"] for s in first["data"] + rest["data"]] == [other, *ids[::-1]]
    assert first["has_next_page"] is True
    assert rest["has_next_page"] is False
    bad = api.get("/webhooks", params={"topic": "nope"}, headers=tenant.headers)
    assert_http_error(bad, 400, "invalid_parameter", fields={"topic"})


def test_scopes(api: TestClient) -> None:
    customers_only = create_tenant(api, scopes=(SCOPE_READ,), name="Customers")
    read_only = create_tenant(api, scopes=(SCOPE_WEBHOOKS_READ,), name="Reader")
    write_only = create_tenant(api, scopes=(SCOPE_WEBHOOKS_WRITE,), name="Writer")
    body = {"endpoint_url": LOOPBACK, "topic": NEVER_FIRES}

    assert_insufficient_scope(api.get("/webhooks", headers=customers_only.headers))
    assert_insufficient_scope(subscribe(api, customers_only, body))
    assert_insufficient_scope(subscribe(api, read_only, body))
    assert api.get("/webhooks", headers=read_only.headers).status_code == 200
    assert_insufficient_scope(api.get("/webhooks", headers=write_only.headers))
    created = subscribed(api, write_only)
    url = f"/webhooks/{created['id']}"
    assert_insufficient_scope(api.delete(url, headers=read_only.headers))
    assert api.delete(url, headers=write_only.headers).status_code == 200
    assert api.get("/webhooks").status_code == 401


@pytest.fixture
def production(settings: Settings) -> Iterator[TestClient]:
    with app_client(settings.model_copy(update={"env": "production"})) as client:
        yield client


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hooks",
        "https://192.168.1.1/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",  # a name that resolves to loopback
        "https://[::1]/hooks",
        "http://127.0.0.1:9/hooks",  # http is for development only
    ],
)
def test_production_refuses_what_is_not_public(production: TestClient, url: str) -> None:
    tenant = create_tenant(production)

    reply = subscribe(production, tenant, {"endpoint_url": url, "topic": NEVER_FIRES})

    assert_http_error(reply, 422, "validation_error", fields={"endpoint_url"})
