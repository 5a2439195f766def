"""GET /customers/{id}/payment-methods and /customers/{id}/payment-methods/{method_id}."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from altpay.core.db import SqlConnection
from altpay.payment_methods import service
from altpay.payment_methods.schemas import NewPaymentMethod
from tests.support.app import write_in_app
from tests.support.customers import TIMESTAMP, new_customer
from tests.support.errors import assert_http_error, assert_insufficient_scope
from tests.support.tenants import Tenant

UNKNOWN_CUSTOMER = "cus_01jz0000000000000000000000"
UNKNOWN_METHOD = "pm_01jz0000000000000000000000"
VISA = {"type": "card", "brand": "visa", "last4": "4242", "exp_month": "04", "exp_year": "2030"}
ACH = {"type": "ach", "brand": "Chase", "last4": "6789"}


def add_method(api: TestClient, customer_id: str, **fields: Any) -> dict[str, Any]:
    """Attaches a payment method the way an operator does (altpay payment-methods add)."""

    async def work(connection: SqlConnection) -> dict[str, Any]:
        method = await service.add_method(connection, customer_id, NewPaymentMethod(**fields))
        return method.model_dump(mode="json")

    return write_in_app(api, work)


def methods_url(customer_id: str) -> str:
    return f"/customers/{customer_id}/payment-methods"


def listed(api: TestClient, tenant: Tenant, customer_id: str) -> list[dict[str, Any]]:
    reply = api.get(methods_url(customer_id), headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    assert set(reply.json()) == {"data"}
    data: list[dict[str, Any]] = reply.json()["data"]
    return data


def default_of(api: TestClient, tenant: Tenant, customer_id: str) -> str:
    reply = api.get(f"/customers/{customer_id}", headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    default: str = reply.json()["default_payment_method_id"]
    return default


# --- authentication and tenancy -------------------------------------------------------


def test_anonymous_cannot_read(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    method = add_method(api, customer_id, **VISA)

    assert_http_error(api.get(methods_url(customer_id)), 401, "unauthorized")
    assert_http_error(api.get(f"{methods_url(customer_id)}/{method['id']}"), 401, "unauthorized")


def test_reading_needs_the_read_scope(api: TestClient, writer: Tenant) -> None:
    customer_id = new_customer(api, writer)
    method = add_method(api, customer_id, **VISA)

    for path in (methods_url(customer_id), f"{methods_url(customer_id)}/{method['id']}"):
        reply = api.get(path, headers=writer.headers)
        assert_insufficient_scope(reply)


def test_read_only_token_of_another_account_sees_nothing(
    api: TestClient, tenant: Tenant, reader: Tenant
) -> None:
    customer_id = new_customer(api, tenant)
    add_method(api, customer_id, **VISA)

    assert_http_error(api.get(methods_url(customer_id), headers=reader.headers), 404, "not_found")
    assert len(listed(api, tenant, customer_id)) == 1


def test_another_accounts_customer_is_not_found(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = new_customer(api, other_tenant)
    method = add_method(api, theirs, **VISA)

    listed_theirs = api.get(methods_url(theirs), headers=tenant.headers)
    listed_unknown = api.get(methods_url(UNKNOWN_CUSTOMER), headers=tenant.headers)
    got_theirs = api.get(f"{methods_url(theirs)}/{method['id']}", headers=tenant.headers)
    got_unknown = api.get(f"{methods_url(UNKNOWN_CUSTOMER)}/{method['id']}", headers=tenant.headers)

    assert_http_error(listed_theirs, 404, "not_found")
    assert_http_error(got_theirs, 404, "not_found")
    assert listed_theirs.json() == listed_unknown.json()
    assert got_theirs.json() == got_unknown.json()
    assert listed(api, other_tenant, theirs) == [method]


@pytest.mark.parametrize(
    "customer_id", [UNKNOWN_CUSTOMER, "nope", "cus_", "pm_01jz0000000000000000000000", "%00"]
)
def test_unknown_or_malformed_customer_is_not_found(
    api: TestClient, tenant: Tenant, customer_id: str
) -> None:
    assert_http_error(api.get(methods_url(customer_id), headers=tenant.headers), 404, "not_found")
    assert_http_error(
        api.get(f"{methods_url(customer_id)}/{UNKNOWN_METHOD}", headers=tenant.headers),
        404,
        "not_found",
    )


def test_method_of_another_customer_is_not_found(api: TestClient, tenant: Tenant) -> None:
    mine = new_customer(api, tenant)
    neighbour = new_customer(api, tenant)
    method = add_method(api, neighbour, **VISA)

    reply = api.get(f"{methods_url(mine)}/{method['id']}", headers=tenant.headers)
    unknown = api.get(f"{methods_url(mine)}/{UNKNOWN_METHOD}", headers=tenant.headers)

    assert_http_error(reply, 404, "not_found")
    assert reply.json() == unknown.json()


@pytest.mark.parametrize(
    "method_id",
    [UNKNOWN_METHOD, "nope", "pm_", "cus_01jz0000000000000000000000", "pm_" + "z" * 300, "%F0%9F"],
)
def test_unknown_or_malformed_method_is_not_found(
    api: TestClient, tenant: Tenant, method_id: str
) -> None:
    customer_id = new_customer(api, tenant)
    add_method(api, customer_id, **VISA)

    reply = api.get(f"{methods_url(customer_id)}/{method_id}", headers=tenant.headers)

    assert_http_error(reply, 404, "not_found")


# --- reading --------------------------------------------------------------------------


def test_customer_without_methods_has_an_empty_list(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)

    reply = api.get(methods_url(customer_id), headers=tenant.headers)

    assert reply.status_code == 200
    assert reply.json() == {"data": []}
    assert default_of(api, tenant, customer_id) == ""


def test_card_is_returned_whole(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    added = add_method(api, customer_id, **VISA)

    reply = api.get(f"{methods_url(customer_id)}/{added['id']}", headers=tenant.headers)

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body == {
        "id": added["id"],
        "type": "card",
        "brand": "visa",
        "last4": "4242",
        "exp_month": "04",
        "exp_year": "2030",
        "default": True,
        "created_at": added["created_at"],
        "custom_name": "",
        "funding": "credit",
        "country": "",
    }
    assert re.fullmatch(r"pm_[0-9a-z]{26}", body["id"])
    assert TIMESTAMP.fullmatch(body["created_at"])
    assert reply.headers["cache-control"] == "no-store"


def test_ach_has_empty_expiry_fields(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    added = add_method(api, customer_id, **ACH)

    reply = api.get(f"{methods_url(customer_id)}/{added['id']}", headers=tenant.headers)

    assert reply.status_code == 200, reply.text
    assert reply.json() == {
        "id": added["id"],
        "type": "ach",
        "brand": "Chase",
        "last4": "6789",
        "exp_month": "",
        "exp_year": "",
        "default": True,
        "created_at": added["created_at"],
        "custom_name": "",
        "funding": "",
        "country": "US",
    }


def test_list_is_newest_first(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    neighbour = new_customer(api, tenant)
    first = add_method(api, customer_id, **VISA)
    second = add_method(api, customer_id, **ACH)
    third = add_method(api, customer_id, **{**VISA, "brand": "mastercard", "last4": "4444"})
    add_method(api, neighbour, **VISA)

    assert listed(api, tenant, customer_id) == [third, second, first]


def test_listed_and_single_views_agree(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    add_method(api, customer_id, **VISA)
    add_method(api, customer_id, **ACH, default=True)

    for method in listed(api, tenant, customer_id):
        single = api.get(f"{methods_url(customer_id)}/{method['id']}", headers=tenant.headers)
        assert single.json() == method


# --- the default method ---------------------------------------------------------------


def test_default_method_is_named_by_the_customer(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    add_method(api, customer_id, **ACH)
    default = add_method(api, customer_id, **VISA, default=True)

    assert default["default"] is True
    assert default_of(api, tenant, customer_id) == default["id"]


def test_a_second_default_replaces_the_first(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    first = add_method(api, customer_id, **VISA, default=True)

    second = add_method(api, customer_id, **ACH, default=True)

    methods = listed(api, tenant, customer_id)
    assert [(method["id"], method["default"]) for method in methods] == [
        (second["id"], True),
        (first["id"], False),
    ]
    assert default_of(api, tenant, customer_id) == second["id"]
    single = api.get(f"{methods_url(customer_id)}/{first['id']}", headers=tenant.headers)
    assert single.json()["default"] is False


def test_a_non_default_method_leaves_the_default_alone(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    default = add_method(api, customer_id, **VISA, default=True)

    add_method(api, customer_id, **ACH)

    assert [method["default"] for method in listed(api, tenant, customer_id)] == [False, True]
    assert default_of(api, tenant, customer_id) == default["id"]


def test_defaults_of_different_customers_are_independent(api: TestClient, tenant: Tenant) -> None:
    first_customer = new_customer(api, tenant)
    second_customer = new_customer(api, tenant)
    first_default = add_method(api, first_customer, **VISA, default=True)

    second_default = add_method(api, second_customer, **VISA, default=True)

    assert default_of(api, tenant, first_customer) == first_default["id"]
    assert default_of(api, tenant, second_customer) == second_default["id"]


def test_default_shows_in_the_customer_list(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    default = add_method(api, customer_id, **VISA, default=True)

    reply = api.get("/customers", headers=tenant.headers)

    assert [customer["default_payment_method_id"] for customer in reply.json()["data"]] == [
        default["id"]
    ]
