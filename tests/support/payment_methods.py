"""Payment methods through the API: the bodies of a card and of bank accounts, and adding them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.tenants import Tenant

# A routing number with a valid ABA check digit (the Federal Reserve's), and one without.
ROUTING_NUMBER = "011000015"
BAD_ROUTING_NUMBER = "011000016"
US_BANK: dict[str, Any] = {
    "account_data_type": "US",
    "us_account_data": {"routing_number": ROUTING_NUMBER, "account_number": "000123456789"},
    "subtype": "checking",
    "institution_name": "Chase",
    "receiver_name": "Acme Corp",
}
CA_BANK: dict[str, Any] = {
    "account_data_type": "CA",
    "ca_account_data": {
        "institution_code": "003",
        "transit_number": "12345",
        "account_number": "1234567",
    },
    "subtype": "savings",
    "institution_name": "RBC Royal Bank",
}
PAYMENT_METHOD_FIELDS = frozenset(
    {
        "id",
        "type",
        "brand",
        "last4",
        "exp_month",
        "exp_year",
        "default",
        "created_at",
        "custom_name",
        "funding",
        "country",
    }
)


def methods_url(customer_id: str) -> str:
    return f"/customers/{customer_id}/payment-methods"


def card_body(token: str = "tok_visa", **fields: Any) -> dict[str, Any]:
    return {"provider": "sandbox", "card_provider_token": token, **fields}


def add_card(
    api: TestClient, tenant: Tenant, customer_id: str, token: str = "tok_visa", **fields: Any
) -> dict[str, Any]:
    reply = api.post(
        f"{methods_url(customer_id)}/card", json=card_body(token, **fields), headers=tenant.headers
    )
    assert reply.status_code == 201, reply.text
    method: dict[str, Any] = reply.json()
    return method


def add_bank(
    api: TestClient, tenant: Tenant, customer_id: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    reply = api.post(
        f"{methods_url(customer_id)}/bank", json=body or US_BANK, headers=tenant.headers
    )
    assert reply.status_code == 201, reply.text
    method: dict[str, Any] = reply.json()
    return method


def listed_methods(api: TestClient, tenant: Tenant, customer_id: str) -> list[dict[str, Any]]:
    reply = api.get(methods_url(customer_id), headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    data: list[dict[str, Any]] = reply.json()["data"]
    return data
