"""Keyword-only helpers for the customers tests: create through the API, read the list back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient

from altpay.auth import service as auth_service
from altpay.auth.tokens import SCOPE_READ, SCOPE_WRITE
from altpay.core.runtime import Runtime
from tests.conftest import Tenant, run_in_app, signed_in


class Reply(Protocol):
    """What the tests read of a TestClient response (whichever httpx package backs it)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def text(self) -> str: ...

    def json(self, **kwargs: Any) -> Any: ...


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


def assert_error(
    reply: Reply,
    *,
    status: int,
    code: str,
    fields: set[str] | None = None,
    case: object = None,
) -> dict[str, Any]:
    """An HttpError with this status and code; ``fields`` are exactly its validation_errors keys.

    ``case`` names the input in failure messages, for tests that check a table of inputs.
    """
    assert reply.status_code == status, (case, reply.text)
    body: dict[str, Any] = reply.json()
    assert set(body) == {"code", "message", "validation_errors"}, (case, body)
    assert body["code"] == code, (case, body)
    assert isinstance(body["message"], str), (case, body)
    assert body["message"], (case, body)
    assert isinstance(body["validation_errors"], dict), (case, body)
    if fields is not None:
        assert set(body["validation_errors"]) == fields, (case, body)
    assert all(
        isinstance(message, str) and message for message in body["validation_errors"].values()
    ), (case, body)
    return body


def assert_unauthenticated(reply: Reply) -> None:
    assert_error(reply, status=401, code="unauthorized", fields=set())
    assert reply.headers["WWW-Authenticate"] == "Bearer"


def assert_insufficient_scope(reply: Reply) -> None:
    assert_error(reply, status=403, code="forbidden", fields=set())
    assert reply.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'


def client_of_same_account(api: TestClient, tenant: Tenant, *, scope: str) -> Tenant:
    """Another API client of ``tenant``'s account, holding only ``scope``."""

    async def work(runtime: Runtime) -> Any:
        async with runtime.database.transaction() as connection:
            return await auth_service.create_client(
                connection, account_id=tenant.account_id, name=f"{scope} only", scopes=scope
            )

    return signed_in(api, run_in_app(api, work))


@pytest.fixture
def tenant_reader(api: TestClient, tenant: Tenant) -> Tenant:
    """A read-only client of ``tenant``'s own account: it sees the customers it cannot change."""
    return client_of_same_account(api, tenant, scope=SCOPE_READ)


@pytest.fixture
def tenant_writer(api: TestClient, tenant: Tenant) -> Tenant:
    """A write-only client of ``tenant``'s own account."""
    return client_of_same_account(api, tenant, scope=SCOPE_WRITE)
