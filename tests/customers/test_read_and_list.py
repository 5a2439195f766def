"""GET /customers/{id} (getCustomer) and GET /customers (listCustomers)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.customers import (
    CUSTOMER_FIELDS,
    MALFORMED_CUSTOMER_IDS,
    UNKNOWN_CUSTOMER_ID,
    archive_customer,
    create_customer,
)
from tests.support.errors import (
    assert_http_error,
    assert_insufficient_scope,
    assert_unauthenticated,
)
from tests.support.tenants import Tenant

EMPTY_PAGE = {
    "data": [],
    "start_cursor": "",
    "end_cursor": "",
    "has_next_page": False,
    "has_previous_page": False,
}


def list_page(api: TestClient, tenant: Tenant, **params: Any) -> dict[str, Any]:
    reply = api.get("/customers", params=params, headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    page: dict[str, Any] = reply.json()
    return page


def ids_of(page: dict[str, Any]) -> list[str]:
    return [customer["id"] for customer in page["data"]]


# getCustomer


def test_get_returns_the_whole_customer(api: TestClient, tenant: Tenant) -> None:
    created = create_customer(
        api,
        tenant,
        name="Acme Corp",
        legal_name="Acme Corporation",
        email="billing@acme.com",
        ein="12-3456789",
        external_id="crm-7",
        street_address="1 Main St",
        sub_premise="Floor 3",
        city="Austin",
        state="TX",
        postal_code="73301",
        country="USA",
    )

    reply = api.get(f"/customers/{created['id']}", headers=tenant.headers)

    assert reply.status_code == 200
    assert reply.json() == created
    assert set(reply.json()) == CUSTOMER_FIELDS
    assert reply.headers["Cache-Control"] == "no-store"


def test_get_anonymous_is_unauthorized(api: TestClient, tenant: Tenant) -> None:
    customer = create_customer(api, tenant)

    assert_unauthenticated(api.get(f"/customers/{customer['id']}"))


def test_get_with_an_unknown_scheme_is_unauthorized(api: TestClient, tenant: Tenant) -> None:
    customer = create_customer(api, tenant)
    reply = api.get(
        f"/customers/{customer['id']}",
        headers={"Authorization": f"Basic {tenant.token}"},
    )

    assert_http_error(reply, status=401, code="unauthorized", fields=set())


def test_get_without_read_scope_is_forbidden(api: TestClient, writer: Tenant) -> None:
    customer = create_customer(api, writer)

    assert_insufficient_scope(api.get(f"/customers/{customer['id']}", headers=writer.headers))


def test_list_without_read_scope_is_forbidden_even_with_customers(
    api: TestClient, tenant: Tenant, tenant_writer: Tenant
) -> None:
    create_customer(api, tenant)

    assert_insufficient_scope(api.get("/customers", headers=tenant_writer.headers))
    assert_insufficient_scope(
        api.get(f"/customers/{UNKNOWN_CUSTOMER_ID}", headers=tenant_writer.headers)
    )


def test_get_another_accounts_customer_is_not_found_like_an_unknown_id(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = create_customer(api, other_tenant)

    reply = api.get(f"/customers/{theirs['id']}", headers=tenant.headers)
    unknown = api.get(f"/customers/{UNKNOWN_CUSTOMER_ID}", headers=tenant.headers)

    assert_http_error(reply, status=404, code="not_found", fields=set())
    assert reply.json() == unknown.json()
    assert unknown.status_code == 404


def test_get_malformed_id_is_not_found(api: TestClient, tenant: Tenant) -> None:
    unknown = api.get(f"/customers/{UNKNOWN_CUSTOMER_ID}", headers=tenant.headers)
    for customer_id in MALFORMED_CUSTOMER_IDS:
        reply = api.get(f"/customers/{customer_id}", headers=tenant.headers)
        assert_http_error(reply, status=404, code="not_found", fields=set())
        assert reply.json() == unknown.json(), customer_id


def test_get_an_archived_customer_still_returns_it(api: TestClient, tenant: Tenant) -> None:
    customer = create_customer(api, tenant)
    archived = archive_customer(api, tenant, customer_id=customer["id"])

    reply = api.get(f"/customers/{customer['id']}", headers=tenant.headers)

    assert reply.status_code == 200
    assert reply.json() == archived
    assert reply.json()["archived_at"] != ""


# listCustomers


def test_list_anonymous_is_unauthorized(api: TestClient) -> None:
    assert_unauthenticated(api.get("/customers"))


def test_list_without_read_scope_is_forbidden(api: TestClient, writer: Tenant) -> None:
    assert_insufficient_scope(api.get("/customers", headers=writer.headers))


def test_list_with_a_bad_parameter_still_checks_authentication_first(
    api: TestClient, writer: Tenant
) -> None:
    assert_unauthenticated(api.get("/customers", params={"limit": "abc"}))
    assert_insufficient_scope(api.get("/customers", params={"limit": "0"}, headers=writer.headers))


def test_empty_list(api: TestClient, tenant: Tenant) -> None:
    assert list_page(api, tenant) == EMPTY_PAGE


def test_list_returns_whole_customers_newest_first(api: TestClient, tenant: Tenant) -> None:
    first = create_customer(api, tenant, name="First", email="first@acme.com", country="FR")
    second = create_customer(api, tenant, name="Second", email="second@acme.com", ein="123456789")
    third = create_customer(api, tenant, name="Third", email="third@acme.com")

    page = list_page(api, tenant)

    assert page["data"] == [third, second, first]
    assert page["has_next_page"] is False
    assert page["has_previous_page"] is False
    assert page["start_cursor"]
    assert page["end_cursor"]
    assert set(page) == set(EMPTY_PAGE)


def test_list_shows_only_the_accounts_own_customers(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = create_customer(api, tenant, name="Mine")
    theirs = create_customer(api, other_tenant, name="Theirs")

    assert ids_of(list_page(api, tenant)) == [mine["id"]]
    assert ids_of(list_page(api, other_tenant)) == [theirs["id"]]
    assert ids_of(list_page(api, tenant, company_name="Theirs")) == []
    assert ids_of(list_page(api, tenant, include_archived="true")) == [mine["id"]]


def test_archived_customers_are_left_out_unless_asked_for(api: TestClient, tenant: Tenant) -> None:
    kept = create_customer(api, tenant, name="Kept")
    gone = create_customer(api, tenant, name="Gone")
    archived = archive_customer(api, tenant, customer_id=gone["id"])

    assert ids_of(list_page(api, tenant)) == [kept["id"]]
    assert ids_of(list_page(api, tenant, include_archived="false")) == [kept["id"]]
    assert list_page(api, tenant, include_archived="true")["data"] == [archived, kept]


def test_list_of_only_archived_customers_is_empty(api: TestClient, tenant: Tenant) -> None:
    customer = create_customer(api, tenant)
    archive_customer(api, tenant, customer_id=customer["id"])

    assert list_page(api, tenant) == EMPTY_PAGE


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_list_with_a_bad_include_archived_is_a_bad_request(
    api: TestClient, tenant: Tenant, value: str
) -> None:
    reply = api.get("/customers", params={"include_archived": value}, headers=tenant.headers)

    assert_http_error(reply, status=400, code="invalid_parameter", fields={"include_archived"})


def test_list_reflects_a_patch(api: TestClient, tenant: Tenant) -> None:
    customer = create_customer(api, tenant, name="Before")
    patched = api.patch(
        f"/customers/{customer['id']}", json={"name": "After"}, headers=tenant.headers
    ).json()

    assert list_page(api, tenant)["data"] == [patched]
    assert patched["name"] == "After"


def test_a_listed_customer_is_its_reply_byte_for_byte(api: TestClient, tenant: Tenant) -> None:
    # A page's items are JSON the database writes (core.replies): text of every kind is
    # escaped and ordered exactly as in the customer's own reply.
    created = create_customer(
        api,
        tenant,
        name='Zoë "Q" \\ / <&> 𝄞 \u2028 日本',
        legal_name="ŒUVRE\u2019S",
        external_id="ext\\1",
    )
    archive_customer(api, tenant, customer_id=created["id"])
    customer = api.get(f"/customers/{created['id']}", headers=tenant.headers)

    page = api.get("/customers", params={"include_archived": "true"}, headers=tenant.headers)

    assert page.json()["data"] == [customer.json()]
    assert customer.json()["archived_at"]
    assert page.content.startswith(b'{"data":[' + customer.content + b"],")


def test_company_name_with_a_control_character_is_a_bad_parameter(
    api: TestClient, tenant: Tenant
) -> None:
    reply = api.get("/customers", params={"company_name": "ac\x00me"}, headers=tenant.headers)

    assert_http_error(reply, 400, "invalid_parameter", fields=["company_name"])


def test_an_unencoded_plus_in_a_timestamp_says_to_send_it_as_2b(
    api: TestClient, tenant: Tenant
) -> None:
    # What curl sends for ...?created_at_start=2026-01-01T22:43:40+00:00: the + is a space.
    reply = api.get("/customers?created_at_start=2026-01-01T22:43:40+00:00", headers=tenant.headers)

    body = assert_http_error(reply, 400, "invalid_parameter", fields=["created_at_start"])
    assert "%2B" in body["validation_errors"]["created_at_start"]
    assert body["message"] == "A query parameter is malformed or out of range."


def test_a_timestamp_without_an_offset_is_not_blamed_on_a_plus(
    api: TestClient, tenant: Tenant
) -> None:
    reply = api.get("/customers?created_at_start=2026-01-01T22:43:40", headers=tenant.headers)

    body = assert_http_error(reply, 400, "invalid_parameter", fields=["created_at_start"])
    assert body["validation_errors"] == {
        "created_at_start": "must be an RFC 3339 timestamp with an offset"
    }


def test_a_malformed_query_parameter_is_called_a_query_parameter(
    api: TestClient, tenant: Tenant
) -> None:
    reply = api.get("/customers?limit=many", headers=tenant.headers)

    body = assert_http_error(reply, 400, "invalid_parameter", fields=["limit"])
    assert body["message"] == "A query parameter is malformed or out of range."
