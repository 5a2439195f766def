"""DELETE /customers/{id} (archiveCustomer) and POST /customers/{id}/restore (restoreCustomer)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.customers import (
    CUSTOMER_FIELDS,
    MALFORMED_CUSTOMER_IDS,
    TIMESTAMP,
    UNKNOWN_CUSTOMER_ID,
    all_customers,
    archive_customer,
    create_customer,
    get_customer,
)
from tests.support.errors import (
    assert_http_error,
    assert_insufficient_scope,
    assert_unauthenticated,
)
from tests.support.tenants import Tenant


def archive(api: TestClient, tenant: Tenant, customer_id: str) -> Any:
    return api.delete(f"/customers/{customer_id}", headers=tenant.headers)


def restore(api: TestClient, tenant: Tenant, customer_id: str) -> Any:
    return api.post(f"/customers/{customer_id}/restore", headers=tenant.headers)


def listed_ids(api: TestClient, tenant: Tenant) -> list[str]:
    reply = api.get("/customers", headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    return [customer["id"] for customer in reply.json()["data"]]


def parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


@pytest.fixture
def customer(api: TestClient, tenant: Tenant) -> dict[str, Any]:
    return create_customer(
        api, tenant, name="Acme Corp", external_id="crm-1", country="US", state="NY"
    )


@pytest.fixture
def archived(api: TestClient, tenant: Tenant, customer: dict[str, Any]) -> dict[str, Any]:
    return archive_customer(api, tenant, customer_id=customer["id"])


# archiveCustomer


def test_archive_returns_the_customer_with_archived_at(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    reply = archive(api, tenant, customer["id"])

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == CUSTOMER_FIELDS
    assert body == {**customer, "archived_at": body["archived_at"]}
    assert TIMESTAMP.fullmatch(body["archived_at"])
    assert parse(body["archived_at"]) >= parse(customer["created_at"])


def test_archived_customer_is_still_returned_by_get(
    api: TestClient, tenant: Tenant, archived: dict[str, Any]
) -> None:
    assert get_customer(api, tenant, customer_id=archived["id"]) == archived


def test_archived_customer_is_listed_only_with_include_archived(
    api: TestClient, tenant: Tenant, archived: dict[str, Any]
) -> None:
    active = create_customer(api, tenant, name="Active")

    assert listed_ids(api, tenant) == [active["id"]]
    assert all_customers(api, tenant) == [active, archived]


def test_archive_again_is_refused_and_keeps_the_first_archive_time(
    api: TestClient, tenant: Tenant, archived: dict[str, Any]
) -> None:
    reply = archive(api, tenant, archived["id"])

    assert_http_error(reply, status=400, code="customer_already_archived", fields=set())
    assert get_customer(api, tenant, customer_id=archived["id"]) == archived


def test_archive_anonymous_is_unauthorized(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    assert_unauthenticated(api.delete(f"/customers/{customer['id']}"))
    assert get_customer(api, tenant, customer_id=customer["id"]) == customer


def test_archive_without_write_scope_is_forbidden(
    api: TestClient, reader: Tenant, tenant_reader: Tenant, customer: dict[str, Any]
) -> None:
    assert_insufficient_scope(archive(api, reader, UNKNOWN_CUSTOMER_ID))
    assert_insufficient_scope(archive(api, tenant_reader, customer["id"]))
    assert get_customer(api, tenant_reader, customer_id=customer["id"]) == customer


def test_archive_another_accounts_customer_is_not_found_like_an_unknown_id(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = create_customer(api, other_tenant)

    reply = archive(api, tenant, theirs["id"])
    unknown = archive(api, tenant, UNKNOWN_CUSTOMER_ID)

    assert_http_error(reply, status=404, code="not_found", fields=set())
    assert reply.json() == unknown.json()
    assert get_customer(api, other_tenant, customer_id=theirs["id"]) == theirs


def test_archive_another_accounts_archived_customer_is_not_found(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = create_customer(api, other_tenant)
    archive_customer(api, other_tenant, customer_id=theirs["id"])

    reply = archive(api, tenant, theirs["id"])

    assert reply.json() == archive(api, tenant, UNKNOWN_CUSTOMER_ID).json()
    assert_http_error(reply, status=404, code="not_found")


def test_archive_malformed_id_is_not_found(api: TestClient, tenant: Tenant) -> None:
    unknown = archive(api, tenant, UNKNOWN_CUSTOMER_ID)
    for customer_id in MALFORMED_CUSTOMER_IDS:
        reply = archive(api, tenant, customer_id)
        assert_http_error(reply, status=404, code="not_found", fields=set())
        assert reply.json() == unknown.json(), customer_id


def test_archived_customer_cannot_be_given_users(
    api: TestClient, tenant: Tenant, archived: dict[str, Any]
) -> None:
    reply = api.post(
        f"/customers/{archived['id']}/users",
        json={"email": "jane@acme.com", "first_name": "Jane", "last_name": "Doe"},
        headers=tenant.headers,
    )

    assert_http_error(reply, status=400, code="customer_archived", fields=set())


def test_archived_customer_keeps_its_external_id(
    api: TestClient, tenant: Tenant, archived: dict[str, Any]
) -> None:
    reply = api.post(
        "/customers",
        json={"name": "Copy", "email": "copy@acme.com", "external_id": archived["external_id"]},
        headers=tenant.headers,
    )

    assert_http_error(reply, status=422, code="validation_error", fields={"external_id"})


# restoreCustomer


def test_restore_returns_the_customer_active_again(
    api: TestClient, tenant: Tenant, customer: dict[str, Any], archived: dict[str, Any]
) -> None:
    reply = restore(api, tenant, archived["id"])

    assert reply.status_code == 200, reply.text
    assert reply.json() == customer
    assert reply.json()["archived_at"] == ""
    assert get_customer(api, tenant, customer_id=customer["id"]) == customer
    assert listed_ids(api, tenant) == [customer["id"]]


def test_restore_active_customer_is_refused(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    reply = restore(api, tenant, customer["id"])

    assert_http_error(reply, status=400, code="customer_not_archived", fields=set())
    assert get_customer(api, tenant, customer_id=customer["id"]) == customer


def test_archive_restore_archive_again(
    api: TestClient, tenant: Tenant, customer: dict[str, Any], archived: dict[str, Any]
) -> None:
    restore(api, tenant, customer["id"])

    again = archive_customer(api, tenant, customer_id=customer["id"])

    assert again == {**customer, "archived_at": again["archived_at"]}
    assert parse(again["archived_at"]) >= parse(archived["archived_at"])
    assert restore(api, tenant, customer["id"]).json() == customer
    assert_http_error(
        restore(api, tenant, customer["id"]), status=400, code="customer_not_archived"
    )


def test_restore_anonymous_is_unauthorized(
    api: TestClient, tenant: Tenant, archived: dict[str, Any]
) -> None:
    assert_unauthenticated(api.post(f"/customers/{archived['id']}/restore"))
    assert get_customer(api, tenant, customer_id=archived["id"]) == archived


def test_restore_without_write_scope_is_forbidden(
    api: TestClient, reader: Tenant, tenant_reader: Tenant, archived: dict[str, Any]
) -> None:
    assert_insufficient_scope(restore(api, reader, UNKNOWN_CUSTOMER_ID))
    assert_insufficient_scope(restore(api, tenant_reader, archived["id"]))
    assert get_customer(api, tenant_reader, customer_id=archived["id"]) == archived


def test_restore_another_accounts_customer_is_not_found_like_an_unknown_id(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = create_customer(api, other_tenant)
    theirs_archived = archive_customer(api, other_tenant, customer_id=theirs["id"])

    reply = restore(api, tenant, theirs["id"])
    unknown = restore(api, tenant, UNKNOWN_CUSTOMER_ID)

    assert_http_error(reply, status=404, code="not_found", fields=set())
    assert reply.json() == unknown.json()
    assert get_customer(api, other_tenant, customer_id=theirs["id"]) == theirs_archived


def test_restore_another_accounts_active_customer_is_not_found(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = create_customer(api, other_tenant)

    reply = restore(api, tenant, theirs["id"])

    assert_http_error(reply, status=404, code="not_found", fields=set())
    assert reply.json() == restore(api, tenant, UNKNOWN_CUSTOMER_ID).json()


def test_restore_malformed_id_is_not_found(api: TestClient, tenant: Tenant) -> None:
    unknown = restore(api, tenant, UNKNOWN_CUSTOMER_ID)
    for customer_id in MALFORMED_CUSTOMER_IDS:
        reply = restore(api, tenant, customer_id)
        assert_http_error(reply, status=404, code="not_found", fields=set())
        assert reply.json() == unknown.json(), customer_id


def test_archive_and_restore_leave_the_other_customers_alone(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    other = create_customer(api, tenant, name="Other", external_id="crm-2")

    archive_customer(api, tenant, customer_id=customer["id"])
    assert get_customer(api, tenant, customer_id=other["id"]) == other
    restore(api, tenant, customer["id"])

    assert all_customers(api, tenant) == [other, customer]
