"""Who may add, delete and change the default of payment methods: tokens, scopes, tenancy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.customers import new_customer
from tests.support.errors import Reply, assert_http_error, assert_insufficient_scope
from tests.support.payment_methods import (
    US_BANK,
    add_card,
    card_body,
    listed_methods,
    methods_url,
)
from tests.support.tenants import Tenant

UNKNOWN_METHOD = "pm_01jz0000000000000000000000"
# One request per write operation, on a customer and one of its methods.
Write = Callable[[TestClient, dict[str, str], str, str], Reply]


def _add_card(api: TestClient, headers: dict[str, str], customer: str, _method: str) -> Reply:
    return api.post(f"{methods_url(customer)}/card", json=card_body(), headers=headers)


def _add_bank(api: TestClient, headers: dict[str, str], customer: str, _method: str) -> Reply:
    return api.post(f"{methods_url(customer)}/bank", json=US_BANK, headers=headers)


def _delete(api: TestClient, headers: dict[str, str], customer: str, method: str) -> Reply:
    return api.delete(f"{methods_url(customer)}/{method}", headers=headers)


def _make_default(api: TestClient, headers: dict[str, str], customer: str, method: str) -> Reply:
    return api.patch(f"{methods_url(customer)}/{method}/default", headers=headers)


WRITES: dict[str, Write] = {
    "add card": _add_card,
    "add bank": _add_bank,
    "delete": _delete,
    "make default": _make_default,
}
BY_METHOD = {"delete": _delete, "make default": _make_default}


@pytest.fixture
def owned(api: TestClient, tenant: Tenant) -> tuple[str, dict[str, Any]]:
    """A customer of ``tenant`` with one card."""
    customer_id = new_customer(api, tenant)
    return customer_id, add_card(api, tenant, customer_id)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_anonymous_is_401(
    api: TestClient, tenant: Tenant, owned: tuple[str, dict[str, Any]], write: Write
) -> None:
    customer_id, method = owned

    reply = write(api, {}, customer_id, method["id"])

    assert_http_error(reply, 401, "unauthorized")
    assert reply.headers["WWW-Authenticate"] == "Bearer"
    assert listed_methods(api, tenant, customer_id) == [method]


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_read_only_token_is_403(
    api: TestClient,
    tenant: Tenant,
    tenant_reader: Tenant,
    owned: tuple[str, dict[str, Any]],
    write: Write,
) -> None:
    customer_id, method = owned

    assert_insufficient_scope(write(api, tenant_reader.headers, customer_id, method["id"]))
    assert listed_methods(api, tenant, customer_id) == [method]


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_only_token_may_write(
    api: TestClient, tenant_writer: Tenant, owned: tuple[str, dict[str, Any]], write: Write
) -> None:
    customer_id, method = owned

    reply = write(api, tenant_writer.headers, customer_id, method["id"])

    assert reply.status_code in (200, 201), reply.text


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_another_accounts_customer_is_404(
    api: TestClient,
    tenant: Tenant,
    other_tenant: Tenant,
    owned: tuple[str, dict[str, Any]],
    write: Write,
) -> None:
    customer_id, method = owned

    theirs = write(api, other_tenant.headers, customer_id, method["id"])
    unknown = write(api, other_tenant.headers, "cus_01jz0000000000000000000000", method["id"])

    assert_http_error(theirs, 404, "not_found")
    assert theirs.json() == unknown.json()
    assert listed_methods(api, tenant, customer_id) == [method]


@pytest.mark.parametrize("write", BY_METHOD.values(), ids=BY_METHOD.keys())
def test_another_accounts_method_is_404(
    api: TestClient, tenant: Tenant, other_tenant: Tenant, write: Write
) -> None:
    mine = new_customer(api, tenant)
    theirs = new_customer(api, other_tenant)
    their_method = add_card(api, other_tenant, theirs)

    reply = write(api, tenant.headers, mine, their_method["id"])

    assert_http_error(reply, 404, "not_found")
    assert listed_methods(api, other_tenant, theirs) == [their_method]


@pytest.mark.parametrize("write", BY_METHOD.values(), ids=BY_METHOD.keys())
def test_a_method_of_another_customer_of_the_account_is_404(
    api: TestClient, tenant: Tenant, write: Write
) -> None:
    mine = new_customer(api, tenant)
    neighbour = new_customer(api, tenant)
    mine_method = add_card(api, tenant, mine)
    neighbours = add_card(api, tenant, neighbour, "tok_amex")

    reply = write(api, tenant.headers, mine, neighbours["id"])
    unknown = write(api, tenant.headers, mine, UNKNOWN_METHOD)

    assert_http_error(reply, 404, "not_found")
    assert reply.json() == unknown.json()
    assert listed_methods(api, tenant, neighbour) == [neighbours]
    assert listed_methods(api, tenant, mine) == [mine_method]


@pytest.mark.parametrize("method_id", ["nope", "pm_", "cus_01jz0000000000000000000000", "%00"])
@pytest.mark.parametrize("write", BY_METHOD.values(), ids=BY_METHOD.keys())
def test_a_malformed_method_id_is_404(
    api: TestClient, tenant: Tenant, owned: tuple[str, dict[str, Any]], write: Write, method_id: str
) -> None:
    customer_id, _method = owned

    assert_http_error(write(api, tenant.headers, customer_id, method_id), 404, "not_found")


def test_a_bad_body_is_checked_after_the_token(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    url = f"{methods_url(customer_id)}/card"

    anonymous = api.post(url, content=b"{", headers={"Content-Type": "application/json"})
    not_json = api.post(url, content=b"{", headers=tenant.headers)
    broken = api.post(
        url, content=b"{", headers={**tenant.headers, "Content-Type": "application/json"}
    )

    assert_http_error(anonymous, 401, "unauthorized")
    assert_http_error(not_json, 415, "unsupported_media_type")
    assert_http_error(broken, 400, "invalid_json")


def test_allow_lists_the_methods_of_the_path_itself(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    expected = {
        "/card": "POST",
        "/bank": "POST",
        f"/{UNKNOWN_METHOD}": "DELETE, GET",
        f"/{UNKNOWN_METHOD}/default": "PATCH",
    }

    for suffix, allow in expected.items():
        reply = api.put(f"{methods_url(customer_id)}{suffix}", headers=tenant.headers)
        assert_http_error(reply, 405, "method_not_allowed", case=suffix)
        assert reply.headers["Allow"] == allow, suffix
