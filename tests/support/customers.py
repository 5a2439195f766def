"""Customers through the API, for every test that needs one: create, read, list, archive."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.support.errors import Reply
from tests.support.tenants import Tenant

CUSTOMER_FIELDS = frozenset(
    {
        "id",
        "name",
        "legal_name",
        "email",
        "ein",
        "external_id",
        "street_address",
        "sub_premise",
        "city",
        "state",
        "postal_code",
        "country",
        "created_at",
        "customer_integration_id",
        "default_payment_method_id",
        "archived_at",
    }
)
TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
CUSTOMER_ID = re.compile(r"cus_[0-9a-z]{26}")

# Well-formed (a ULID body: 26 characters of Crockford base32, first one 0-7) but never issued.
_ULID_BODY = "01h" + "z" * 23
UNKNOWN_CUSTOMER_ID = f"cus_{_ULID_BODY}"
MALFORMED_CUSTOMER_IDS = [
    "nope",
    "cus_",
    "cus_123",
    f"usr_{_ULID_BODY}",
    f"CUS_{_ULID_BODY.upper()}",
    f"cus_{_ULID_BODY}z",
    f"cus_{_ULID_BODY[:-1]}",
    f"cus_8{_ULID_BODY[1:]}",
    f"cus_{_ULID_BODY[:-1]}u",
    f"cus_{_ULID_BODY[:-1]}%C3%A9",
    "%00",
    "x" * 300,
]


def create_customer(api: TestClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    """A customer created through the API (name and e-mail filled in unless given)."""
    body = {"name": "Acme Corp", "email": "billing@acme.com", **fields}
    reply = api.post("/customers", json=body, headers=tenant.headers)
    assert reply.status_code == 201, reply.text
    customer: dict[str, Any] = reply.json()
    return customer


def new_customer(api: TestClient, tenant: Tenant, *, name: str = "Acme") -> str:
    """The id of a new customer, for the tests of what hangs off one (users, methods…)."""
    customer_id: str = create_customer(api, tenant, name=name)["id"]
    return customer_id


def archive_customer(api: TestClient, tenant: Tenant, *, customer_id: str) -> dict[str, Any]:
    reply = api.delete(f"/customers/{customer_id}", headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    customer: dict[str, Any] = reply.json()
    return customer


def get_customer(api: TestClient, tenant: Tenant, *, customer_id: str) -> dict[str, Any]:
    reply = api.get(f"/customers/{customer_id}", headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    customer: dict[str, Any] = reply.json()
    return customer


def all_customers(api: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    """Every customer of the tenant, archived ones included, newest first (one page)."""
    reply = api.get(
        "/customers", params={"limit": 100, "include_archived": "true"}, headers=tenant.headers
    )
    assert reply.status_code == 200, reply.text
    page = reply.json()
    assert page["has_next_page"] is False
    customers: list[dict[str, Any]] = page["data"]
    return customers


def send_raw_json(
    api: TestClient, tenant: Tenant, *, method: str, path: str, content: str
) -> Reply:
    """Sends ``content`` verbatim, for bodies ``json=`` cannot express (lone surrogates)."""
    headers = {**tenant.headers, "Content-Type": "application/json"}
    return api.request(
        method, path, content=content.encode("utf-8", "surrogatepass"), headers=headers
    )
