"""The default payment method: the first is it, PATCH …/default moves it, DELETE can clear it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.customers import archive_customer, get_customer, new_customer
from tests.support.errors import assert_http_error
from tests.support.payment_methods import (
    CA_BANK,
    add_bank,
    add_card,
    card_body,
    listed_methods,
    methods_url,
)
from tests.support.tenants import Tenant

CHANGED = {"response": "default payment method changed"}


def default_of(api: TestClient, tenant: Tenant, customer_id: str) -> str:
    default: str = get_customer(api, tenant, customer_id=customer_id)["default_payment_method_id"]
    return default


def defaults_listed(api: TestClient, tenant: Tenant, customer_id: str) -> dict[str, bool]:
    return {m["id"]: m["default"] for m in listed_methods(api, tenant, customer_id)}


def test_the_first_method_becomes_the_default_and_later_ones_do_not(
    api: TestClient, tenant: Tenant
) -> None:
    customer_id = new_customer(api, tenant)

    first = add_card(api, tenant, customer_id)
    second = add_bank(api, tenant, customer_id)

    assert (first["default"], second["default"]) == (True, False)
    assert default_of(api, tenant, customer_id) == first["id"]
    assert defaults_listed(api, tenant, customer_id) == {first["id"]: True, second["id"]: False}


def test_patch_moves_the_default(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    first = add_card(api, tenant, customer_id)
    second = add_bank(api, tenant, customer_id, CA_BANK)

    reply = api.patch(f"{methods_url(customer_id)}/{second['id']}/default", headers=tenant.headers)

    assert reply.status_code == 200, reply.text
    assert reply.json() == CHANGED
    assert default_of(api, tenant, customer_id) == second["id"]
    assert defaults_listed(api, tenant, customer_id) == {first["id"]: False, second["id"]: True}
    again = api.patch(f"{methods_url(customer_id)}/{second['id']}/default", headers=tenant.headers)
    assert (again.status_code, again.json()) == (200, CHANGED)
    assert default_of(api, tenant, customer_id) == second["id"]


def test_deleting_the_default_leaves_none(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    default = add_card(api, tenant, customer_id)
    other = add_card(api, tenant, customer_id, "tok_amex")

    reply = api.delete(f"{methods_url(customer_id)}/{default['id']}", headers=tenant.headers)

    assert reply.status_code == 200, reply.text
    assert reply.json() == default  # as it was, default and all
    assert default_of(api, tenant, customer_id) == ""
    assert listed_methods(api, tenant, customer_id) == [other]  # not promoted
    gone = api.get(f"{methods_url(customer_id)}/{default['id']}", headers=tenant.headers)
    assert_http_error(gone, 404, "not_found")
    twice = api.delete(f"{methods_url(customer_id)}/{default['id']}", headers=tenant.headers)
    assert_http_error(twice, 404, "not_found")


def test_deleting_another_method_keeps_the_default(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    default = add_card(api, tenant, customer_id)
    other = add_bank(api, tenant, customer_id)

    reply = api.delete(f"{methods_url(customer_id)}/{other['id']}", headers=tenant.headers)

    assert (reply.status_code, reply.json()) == (200, other)
    assert default_of(api, tenant, customer_id) == default["id"]


def test_after_every_method_is_deleted_the_next_is_first_again(
    api: TestClient, tenant: Tenant
) -> None:
    customer_id = new_customer(api, tenant)
    gone = add_card(api, tenant, customer_id)
    api.delete(f"{methods_url(customer_id)}/{gone['id']}", headers=tenant.headers)

    fresh = add_card(api, tenant, customer_id, "tok_discover")

    assert fresh["default"] is True
    assert default_of(api, tenant, customer_id) == fresh["id"]


def test_an_archived_customer_keeps_its_default_and_may_delete(
    api: TestClient, tenant: Tenant
) -> None:
    customer_id = new_customer(api, tenant)
    default = add_card(api, tenant, customer_id)
    other = add_bank(api, tenant, customer_id)
    archive_customer(api, tenant, customer_id=customer_id)

    changed = api.patch(f"{methods_url(customer_id)}/{other['id']}/default", headers=tenant.headers)
    unknown = api.patch(
        f"{methods_url(customer_id)}/pm_01jz0000000000000000000000/default", headers=tenant.headers
    )
    deleted = api.delete(f"{methods_url(customer_id)}/{other['id']}", headers=tenant.headers)

    assert_http_error(changed, 400, "customer_archived")
    assert_http_error(unknown, 404, "not_found")
    assert deleted.status_code == 200, deleted.text
    assert default_of(api, tenant, customer_id) == default["id"]
    assert listed_methods(api, tenant, customer_id) == [default]


def test_the_customer_list_shows_the_default(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    add_card(api, tenant, customer_id)
    second = add_card(api, tenant, customer_id, "tok_mastercard")
    api.patch(f"{methods_url(customer_id)}/{second['id']}/default", headers=tenant.headers)

    reply = api.get("/customers", headers=tenant.headers)

    assert [c["default_payment_method_id"] for c in reply.json()["data"]] == [second["id"]]


def test_a_refused_add_leaves_the_default_alone(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    default = add_card(api, tenant, customer_id)

    refused = api.post(
        f"{methods_url(customer_id)}/card", json=card_body("tok_expired"), headers=tenant.headers
    )

    assert_http_error(refused, 422, "card_expired")
    assert default_of(api, tenant, customer_id) == default["id"]
