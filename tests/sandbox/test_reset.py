"""``POST /sandbox/reset`` and ``altpay sandbox reset``: every customer, user, payment method,
idempotency key, webhook event and subscription of the caller's account deleted at once, and
nothing of any other account."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from altpay.auth.tokens import SCOPE_READ
from altpay.core.settings import Settings
from altpay.customers.models import customers
from altpay.idempotency.models import idempotency_keys
from altpay.webhooks.models import webhook_events, webhook_subscriptions
from tests.support.customers import create_customer
from tests.support.payment_methods import add_bank, add_card
from tests.support.sandbox import new_tenant, rows_of
from tests.support.sandbox_fixtures import cli_on
from tests.support.tenants import Tenant, client_of_same_account

# Loopback's discard port: the app in the test process delivers nothing, and were it to, no
# byte would leave the machine.
LOOPBACK_HOOK = "http://127.0.0.1:9/hooks"


def populate(api: TestClient, tenant: Tenant) -> None:
    """Two customers with users and payment methods, a subscription and its events, and a
    stored Idempotency-Key."""
    subscribed = api.post(
        "/webhooks",
        json={"endpoint_url": LOOPBACK_HOOK, "topic": "customer_created"},
        headers=tenant.headers,
    )
    assert subscribed.status_code == 201, subscribed.text
    for number in range(2):
        customer = create_customer(api, tenant, email=f"billing{number}@acme.example")
        api.post(
            f"/customers/{customer['id']}/users",
            json={
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": f"ada{number}@acme.example",
            },
            headers=tenant.headers,
        ).raise_for_status()
        add_card(api, tenant, customer["id"])
        add_bank(api, tenant, customer["id"])
    keyed = api.post(
        "/customers",
        json={"name": "Keyed", "email": "keyed@acme.example"},
        headers={**tenant.headers, "Idempotency-Key": "order-1"},
    )
    assert keyed.status_code == 201


def visible(api: TestClient, tenant: Tenant) -> dict[str, Any]:
    """What the tenant's token sees of its data."""
    listed = api.get("/customers?include_archived=true", headers=tenant.headers).json()["data"]
    return {
        "customers": [customer["id"] for customer in listed],
        "subscriptions": api.get("/webhooks", headers=tenant.headers).json()["data"],
        "events": api.get("/webhooks/events", headers=tenant.headers).json()["data"],
    }


def test_a_reset_deletes_the_accounts_data_and_nothing_else(api: TestClient) -> None:
    tenant, other = new_tenant(api), new_tenant(api)
    populate(api, tenant)
    populate(api, other)
    others_before = visible(api, other)
    a_customer = visible(api, tenant)["customers"][0]

    reply = api.post("/sandbox/reset", headers=tenant.headers)

    assert reply.status_code == 200, reply.text
    assert reply.json() == {
        "account_id": tenant.account_id,
        "deleted": {
            "customers": 3,
            "users": 2,
            "payment_methods": 4,
            "idempotency_keys": 1,
            "webhook_events": 3,
            "webhook_subscriptions": 1,
        },
    }
    assert visible(api, tenant) == {"customers": [], "subscriptions": [], "events": []}
    assert api.get(f"/customers/{a_customer}", headers=tenant.headers).status_code == 404
    for table in (customers, idempotency_keys, webhook_events, webhook_subscriptions):
        assert rows_of(api, table, account_id=tenant.account_id) == []
    assert visible(api, other) == others_before


def test_after_a_reset_the_tenant_starts_afresh(api: TestClient) -> None:
    tenant = new_tenant(api)
    populate(api, tenant)
    api.post("/sandbox/reset", headers=tenant.headers).raise_for_status()

    # The same token still works, and the key and the e-mails are free again.
    again = api.post(
        "/customers",
        json={"name": "Keyed", "email": "keyed@acme.example"},
        headers={**tenant.headers, "Idempotency-Key": "order-1"},
    )
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert api.post("/sandbox/reset", headers=tenant.headers).json()["deleted"]["customers"] == 1


def test_a_reset_needs_the_write_scope(api: TestClient) -> None:
    tenant = new_tenant(api)
    populate(api, tenant)
    reader = client_of_same_account(api, tenant, scope=SCOPE_READ)

    refused = api.post("/sandbox/reset", headers=reader.headers)

    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert api.post("/sandbox/reset").status_code == 401
    assert len(visible(api, tenant)["customers"]) == 3


def test_the_cli_resets_one_account(api: TestClient, sandbox_settings: Settings) -> None:
    tenant, other = new_tenant(api), new_tenant(api)
    populate(api, tenant)
    populate(api, other)
    cli = cli_on(sandbox_settings.database_url_or_default(), sandbox_settings.data_dir)

    reset = cli("sandbox", "reset", "--account", tenant.account_id, "--json")

    assert reset.status == 0, reset.stderr
    assert reset.json()["deleted"]["customers"] == 3
    assert visible(api, tenant)["customers"] == []
    assert len(visible(api, other)["customers"]) == 3
    unknown = cli("sandbox", "reset", "--account", "acct_unknown")
    assert unknown.status == 1
    assert "No account" in unknown.stderr
