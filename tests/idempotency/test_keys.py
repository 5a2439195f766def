"""Idempotency-Key on POST /customers, POST /customers/{id}/users and POST …/restore."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from altpay.core.db import SqlConnection
from altpay.core.timestamps import utc_now
from altpay.idempotency import repository
from altpay.idempotency.models import idempotency_keys
from tests.support.app import write_in_app
from tests.support.errors import assert_http_error
from tests.support.tenants import Tenant

CUSTOMER = {"name": "Acme", "email": "billing@acme.example"}
USER = {"email": "ana@acme.example", "first_name": "Ana", "last_name": "Lopez"}


def keyed(tenant: Tenant, key: str) -> dict[str, str]:
    return {**tenant.headers, "Idempotency-Key": key}


def customers_of(api: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    reply = api.get("/customers?include_archived=true", headers=tenant.headers)
    data: list[dict[str, Any]] = reply.json()["data"]
    return data


def test_a_retry_replays_the_first_response_and_creates_nothing(
    api: TestClient, tenant: Tenant
) -> None:
    first = api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "k-1"))
    retry = api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "k-1"))

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Location"] == first.headers["Location"]
    assert len(customers_of(api, tenant)) == 1


def test_the_same_body_in_another_key_order_is_the_same_request(
    api: TestClient, tenant: Tenant
) -> None:
    first = api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "k-1"))
    reordered = '{"email": "billing@acme.example", "name": "Acme"}'
    retry = api.post(
        "/customers",
        content=reordered,
        headers={**keyed(tenant, "k-1"), "Content-Type": "application/json"},
    )

    assert retry.status_code == 201
    assert retry.json() == first.json()


def test_the_same_key_with_another_body_is_refused(api: TestClient, tenant: Tenant) -> None:
    api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "k-1"))
    other = api.post("/customers", json={**CUSTOMER, "name": "Other"}, headers=keyed(tenant, "k-1"))

    assert_http_error(other, 422, "idempotency_key_reused")
    assert len(customers_of(api, tenant)) == 1


def test_the_same_key_on_another_path_is_refused(api: TestClient, tenant: Tenant) -> None:
    created = api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "k-1")).json()
    other = api.post(
        f"/customers/{created['id']}/users", json=CUSTOMER, headers=keyed(tenant, "k-1")
    )

    assert_http_error(other, 422, "idempotency_key_reused")


def test_a_failed_validation_is_not_stored(api: TestClient, tenant: Tenant) -> None:
    invalid = api.post("/customers", json={"name": "Acme"}, headers=keyed(tenant, "k-1"))
    valid = api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "k-1"))

    assert_http_error(invalid, 422, "validation_error")
    assert valid.status_code == 201
    assert "Idempotent-Replayed" not in valid.headers


def test_malformed_json_is_not_stored(api: TestClient, tenant: Tenant) -> None:
    headers = {**keyed(tenant, "k-1"), "Content-Type": "application/json"}
    malformed = api.post("/customers", content=b"{", headers=headers)
    valid = api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "k-1"))

    assert malformed.status_code == 400
    assert valid.status_code == 201


def test_keys_belong_to_one_account(api: TestClient, tenant: Tenant, other_tenant: Tenant) -> None:
    mine = api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "shared"))
    theirs = api.post("/customers", json=CUSTOMER, headers=keyed(other_tenant, "shared"))

    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]


def test_user_creation_is_replayed(api: TestClient, tenant: Tenant) -> None:
    customer = api.post("/customers", json=CUSTOMER, headers=tenant.headers).json()
    path = f"/customers/{customer['id']}/users"

    first = api.post(path, json=USER, headers=keyed(tenant, "u-1"))
    retry = api.post(path, json=USER, headers=keyed(tenant, "u-1"))

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(api.get(path, headers=tenant.headers).json()["data"]) == 1


def test_a_restore_is_replayed_not_refused(api: TestClient, tenant: Tenant) -> None:
    customer = api.post("/customers", json=CUSTOMER, headers=tenant.headers).json()
    api.delete(f"/customers/{customer['id']}", headers=tenant.headers)
    path = f"/customers/{customer['id']}/restore"

    first = api.post(path, headers=keyed(tenant, "r-1"))
    retry = api.post(path, headers=keyed(tenant, "r-1"))
    unkeyed = api.post(path, headers=tenant.headers)

    assert first.status_code == 200
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert_http_error(unkeyed, 400, "customer_not_archived")


def test_a_state_error_is_stored(api: TestClient, tenant: Tenant) -> None:
    customer = api.post("/customers", json=CUSTOMER, headers=tenant.headers).json()
    api.delete(f"/customers/{customer['id']}", headers=tenant.headers)
    path = f"/customers/{customer['id']}/users"

    refused = api.post(path, json=USER, headers=keyed(tenant, "u-1"))
    api.post(f"/customers/{customer['id']}/restore", headers=tenant.headers)
    retry = api.post(path, json=USER, headers=keyed(tenant, "u-1"))

    assert_http_error(refused, 400, "customer_archived")
    assert retry.status_code == 400
    assert retry.json() == refused.json()
    assert retry.headers["Idempotent-Replayed"] == "true"


def test_a_not_found_is_stored(api: TestClient, tenant: Tenant) -> None:
    path = "/customers/cus_01m8bm00000000000000000000/users"

    first = api.post(path, json=USER, headers=keyed(tenant, "u-1"))
    retry = api.post(path, json=USER, headers=keyed(tenant, "u-1"))

    assert first.status_code == 404
    assert retry.status_code == 404
    assert retry.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", [b"", b"x" * 256, b"tab\there", "caf\u00e9".encode()])
def test_a_malformed_key_is_refused(api: TestClient, tenant: Tenant, key: bytes) -> None:
    headers: dict[str, str | bytes] = {**tenant.headers, "Idempotency-Key": key}
    reply = api.post("/customers", json=CUSTOMER, headers=headers)

    body = assert_http_error(reply, 400, "invalid_parameter", fields=["Idempotency-Key"])
    assert body["message"] == "The Idempotency-Key header is malformed."
    assert customers_of(api, tenant) == []


def test_the_longest_key_is_accepted(api: TestClient, tenant: Tenant) -> None:
    reply = api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "k" * 255))

    assert reply.status_code == 201


def claim_directly(api: TestClient, tenant: Tenant, key: str, age: timedelta) -> None:
    """A claim as a request still running (or one that died) leaves it."""

    async def work(connection: SqlConnection) -> None:
        await repository.claim(connection, tenant.account_id, key, "f" * 64, utc_now() - age)

    write_in_app(api, work)


def test_a_key_whose_first_request_is_running_is_in_use(api: TestClient, tenant: Tenant) -> None:
    claim_directly(api, tenant, "busy", timedelta(seconds=1))

    reply = api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "busy"))

    assert_http_error(reply, 409, "idempotency_key_in_use")
    assert customers_of(api, tenant) == []


def test_a_key_abandoned_by_a_dead_request_is_taken_over(api: TestClient, tenant: Tenant) -> None:
    claim_directly(api, tenant, "orphan", timedelta(minutes=10))

    reply = api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "orphan"))

    assert reply.status_code == 201


def test_keys_expire_after_a_day(api: TestClient, tenant: Tenant) -> None:
    api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "old"))

    async def age_keys(connection: SqlConnection) -> None:
        await connection.execute(
            update(idempotency_keys).values(created_at=utc_now() - timedelta(hours=25))
        )

    write_in_app(api, age_keys)
    again = api.post("/customers", json={**CUSTOMER, "name": "Later"}, headers=keyed(tenant, "old"))

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert len(customers_of(api, tenant)) == 2


def test_an_unauthenticated_request_does_not_touch_the_key(api: TestClient, tenant: Tenant) -> None:
    anonymous = api.post("/customers", json=CUSTOMER, headers={"Idempotency-Key": "k-1"})
    mine = api.post("/customers", json=CUSTOMER, headers=keyed(tenant, "k-1"))

    assert anonymous.status_code == 401
    assert mine.status_code == 201
    assert "Idempotent-Replayed" not in mine.headers
