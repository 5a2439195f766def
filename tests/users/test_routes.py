"""GET and POST /customers/{id}/users."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.customers import TIMESTAMP, new_customer
from tests.support.errors import assert_http_error, assert_insufficient_scope
from tests.support.tenants import Tenant

UNKNOWN_CUSTOMER = "cus_01jz0000000000000000000000"
NEW_USER = {"email": "ann@acme.com", "first_name": "Ann", "last_name": "Lee"}


def users_url(customer_id: str) -> str:
    return f"/customers/{customer_id}/users"


def create_user(api: TestClient, tenant: Tenant, customer_id: str, **fields: Any) -> dict[str, Any]:
    reply = api.post(users_url(customer_id), json={**NEW_USER, **fields}, headers=tenant.headers)
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


def listed_users(api: TestClient, tenant: Tenant, customer_id: str) -> list[dict[str, Any]]:
    reply = api.get(users_url(customer_id), headers=tenant.headers)
    assert reply.status_code == 200, reply.text
    data: list[dict[str, Any]] = reply.json()["data"]
    return data


# --- authentication and tenancy -------------------------------------------------------


def test_anonymous_cannot_list_or_create(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)

    assert_http_error(api.get(users_url(customer_id)), 401, "unauthorized")
    assert_http_error(api.post(users_url(customer_id), json=NEW_USER), 401, "unauthorized")
    assert listed_users(api, tenant, customer_id) == []


def test_listing_needs_the_read_scope(api: TestClient, tenant: Tenant, writer: Tenant) -> None:
    customer_id = new_customer(api, writer)

    assert_http_error(api.get(users_url(customer_id), headers=writer.headers), 403, "forbidden")


def test_creating_needs_the_write_scope(api: TestClient, reader: Tenant) -> None:
    reply = api.post(users_url(UNKNOWN_CUSTOMER), json=NEW_USER, headers=reader.headers)

    assert_insufficient_scope(reply)


def test_another_accounts_customer_is_not_found(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = new_customer(api, other_tenant)
    create_user(api, other_tenant, theirs)

    listed = api.get(users_url(theirs), headers=tenant.headers)
    created = api.post(
        users_url(theirs), json={**NEW_USER, "email": "x@acme.com"}, headers=tenant.headers
    )
    unknown_listed = api.get(users_url(UNKNOWN_CUSTOMER), headers=tenant.headers)
    unknown_created = api.post(
        users_url(UNKNOWN_CUSTOMER),
        json={**NEW_USER, "email": "x@acme.com"},
        headers=tenant.headers,
    )

    assert_http_error(listed, 404, "not_found")
    assert_http_error(created, 404, "not_found")
    assert listed.json() == unknown_listed.json()
    assert created.json() == unknown_created.json()
    assert [user["email"] for user in listed_users(api, other_tenant, theirs)] == [
        NEW_USER["email"]
    ]


@pytest.mark.parametrize(
    "customer_id",
    [
        UNKNOWN_CUSTOMER,
        "nope",
        "cus_",
        "cus_UPPERCASE00000000000000000",
        "usr_01jz0000000000000000000000",
        "%20",
        "cus_" + "0" * 300,
    ],
)
def test_unknown_or_malformed_customer_is_not_found(
    api: TestClient, tenant: Tenant, customer_id: str
) -> None:
    assert_http_error(api.get(users_url(customer_id), headers=tenant.headers), 404, "not_found")
    assert_http_error(
        api.post(users_url(customer_id), json=NEW_USER, headers=tenant.headers), 404, "not_found"
    )


def test_bad_body_to_unknown_customer_is_a_validation_error(
    api: TestClient, tenant: Tenant
) -> None:
    reply = api.post(users_url(UNKNOWN_CUSTOMER), json={"email": "x"}, headers=tenant.headers)

    assert_http_error(reply, 422, "validation_error")


# --- create ---------------------------------------------------------------------------


def test_create_returns_the_whole_user(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    before = datetime.now(UTC)

    reply = api.post(users_url(customer_id), json=NEW_USER, headers=tenant.headers)

    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body == {
        "id": body["id"],
        "email": "ann@acme.com",
        "first_name": "Ann",
        "last_name": "Lee",
        "job_title": "",
        "phone": "",
        "created_at": body["created_at"],
    }
    assert re.fullmatch(r"usr_[0-9a-z]{26}", body["id"])
    assert TIMESTAMP.fullmatch(body["created_at"])
    created_at = datetime.fromisoformat(body["created_at"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=1) <= created_at <= datetime.now(UTC)
    assert "location" not in reply.headers


def test_created_user_is_listed_exactly_as_returned(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)

    created = create_user(api, tenant, customer_id)

    assert listed_users(api, tenant, customer_id) == [created]


def test_names_and_email_are_trimmed(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)

    created = create_user(
        api, tenant, customer_id, email="  ann@acme.com ", first_name=" Ann ", last_name="\tLee\n"
    )

    assert (created["email"], created["first_name"], created["last_name"]) == (
        "ann@acme.com",
        "Ann",
        "Lee",
    )


def test_hundred_character_names_are_accepted(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)

    created = create_user(api, tenant, customer_id, first_name="F" * 100, last_name="L" * 100)

    assert created["first_name"] == "F" * 100
    assert created["last_name"] == "L" * 100


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"first_name": "Ann", "last_name": "Lee"}, {"email"}),
        ({**NEW_USER, "email": ""}, {"email"}),
        ({**NEW_USER, "email": "not-an-email"}, {"email"}),
        ({**NEW_USER, "email": "ann@"}, {"email"}),
        ({**NEW_USER, "email": "a" * 250 + "@acme.com"}, {"email"}),
        ({**NEW_USER, "email": 42}, {"email"}),
        ({"email": "ann@acme.com", "last_name": "Lee"}, {"first_name"}),
        ({"email": "ann@acme.com", "first_name": "Ann"}, {"last_name"}),
        ({**NEW_USER, "first_name": ""}, {"first_name"}),
        ({**NEW_USER, "first_name": "   "}, {"first_name"}),
        ({**NEW_USER, "last_name": None}, {"last_name"}),
        ({**NEW_USER, "first_name": "F" * 101}, {"first_name"}),
        ({**NEW_USER, "last_name": "L" * 101}, {"last_name"}),
        ({**NEW_USER, "first_name": "An\x00n"}, {"first_name"}),
        ({**NEW_USER, "job_title": "CFO"}, {"job_title"}),
        ({**NEW_USER, "phone": "+15550100"}, {"phone"}),
        ({**NEW_USER, "id": "usr_mine"}, {"id"}),
        ({**NEW_USER, "created_at": "2024-01-01T00:00:00Z"}, {"created_at"}),
        ({}, {"email", "first_name", "last_name"}),
    ],
)
def test_invalid_body_is_a_validation_error_and_writes_nothing(
    api: TestClient, tenant: Tenant, body: dict[str, Any], fields: set[str]
) -> None:
    customer_id = new_customer(api, tenant)

    reply = api.post(users_url(customer_id), json=body, headers=tenant.headers)

    errors = assert_http_error(reply, 422, "validation_error")["validation_errors"]
    assert set(errors) == fields
    assert all(isinstance(message, str) and message for message in errors.values())
    assert listed_users(api, tenant, customer_id) == []


@pytest.mark.parametrize(
    "second_email", ["ann@acme.com", "ANN@ACME.COM", "Ann@Acme.Com", "  ann@acme.com  "]
)
def test_duplicate_email_for_the_same_customer_is_rejected(
    api: TestClient, tenant: Tenant, second_email: str
) -> None:
    customer_id = new_customer(api, tenant)
    first = create_user(api, tenant, customer_id)

    reply = api.post(
        users_url(customer_id),
        json={**NEW_USER, "email": second_email, "first_name": "Other"},
        headers=tenant.headers,
    )

    errors = assert_http_error(reply, 422, "validation_error")["validation_errors"]
    assert set(errors) == {"email"}
    assert listed_users(api, tenant, customer_id) == [first]


def test_duplicate_email_uses_unicode_case_folding(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    create_user(api, tenant, customer_id, email="straße@acme.com")

    reply = api.post(
        users_url(customer_id),
        json={**NEW_USER, "email": "STRASSE@acme.com"},
        headers=tenant.headers,
    )

    assert set(assert_http_error(reply, 422, "validation_error")["validation_errors"]) == {"email"}


def test_same_email_on_another_customer_is_fine(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    first_customer = new_customer(api, tenant, name="First")
    second_customer = new_customer(api, tenant, name="Second")
    theirs = new_customer(api, other_tenant)
    create_user(api, tenant, first_customer)

    mine = create_user(api, tenant, second_customer, email="ANN@acme.com")
    their_user = create_user(api, other_tenant, theirs)

    assert mine["email"] == "ANN@acme.com"
    assert their_user["email"] == "ann@acme.com"


def test_archived_customer_cannot_be_given_users(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    assert api.delete(f"/customers/{customer_id}", headers=tenant.headers).status_code == 200

    reply = api.post(users_url(customer_id), json=NEW_USER, headers=tenant.headers)

    assert_http_error(reply, 400, "customer_archived")
    assert listed_users(api, tenant, customer_id) == []


def test_bad_body_to_archived_customer_is_a_validation_error(
    api: TestClient, tenant: Tenant
) -> None:
    customer_id = new_customer(api, tenant)
    assert api.delete(f"/customers/{customer_id}", headers=tenant.headers).status_code == 200

    reply = api.post(users_url(customer_id), json={"email": "ann"}, headers=tenant.headers)

    assert_http_error(reply, 422, "validation_error")


def test_restored_customer_can_be_given_users_again(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    assert api.delete(f"/customers/{customer_id}", headers=tenant.headers).status_code == 200
    restored = api.post(f"/customers/{customer_id}/restore", headers=tenant.headers)
    assert restored.status_code == 200, restored.text

    create_user(api, tenant, customer_id)

    assert len(listed_users(api, tenant, customer_id)) == 1


def test_body_that_is_not_a_json_object_is_rejected(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    headers = {**tenant.headers, "Content-Type": "application/json"}

    assert_http_error(
        api.post(users_url(customer_id), content=b"[]", headers=headers), 400, "invalid_json"
    )
    assert_http_error(
        api.post(users_url(customer_id), content=b"{", headers=headers), 400, "invalid_json"
    )
    assert_http_error(
        api.post(users_url(customer_id), data=NEW_USER, headers=tenant.headers),
        415,
        "unsupported_media_type",
    )


# --- list -----------------------------------------------------------------------------


def test_list_of_a_customer_without_users_is_an_empty_page(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)

    reply = api.get(users_url(customer_id), headers=tenant.headers)

    assert reply.status_code == 200
    assert reply.json() == {
        "data": [],
        "start_cursor": "",
        "end_cursor": "",
        "has_next_page": False,
        "has_previous_page": False,
    }


def test_list_is_newest_first_and_only_this_customers(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    neighbour = new_customer(api, tenant, name="Neighbour")
    created = [
        create_user(api, tenant, customer_id, email=f"user{number}@acme.com") for number in range(3)
    ]
    create_user(api, tenant, neighbour, email="neighbour@acme.com")

    reply = api.get(users_url(customer_id), headers=tenant.headers)

    assert reply.status_code == 200
    page = reply.json()
    assert page["data"] == list(reversed(created))
    assert page["has_next_page"] is False
    assert page["has_previous_page"] is False
    assert page["start_cursor"]
    assert page["end_cursor"]


def test_list_pages_forward_with_cursors(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    created = [
        create_user(api, tenant, customer_id, email=f"user{number}@acme.com") for number in range(3)
    ]

    first = api.get(users_url(customer_id), params={"limit": 2}, headers=tenant.headers).json()
    second = api.get(
        users_url(customer_id),
        params={"limit": 2, "after": first["end_cursor"]},
        headers=tenant.headers,
    ).json()

    assert [user["id"] for user in first["data"]] == [created[2]["id"], created[1]["id"]]
    assert first["has_next_page"] is True
    assert [user["id"] for user in second["data"]] == [created[0]["id"]]
    assert second["has_next_page"] is False
    assert second["has_previous_page"] is True


def test_archived_customers_users_are_still_listed(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    created = create_user(api, tenant, customer_id)
    assert api.delete(f"/customers/{customer_id}", headers=tenant.headers).status_code == 200

    assert listed_users(api, tenant, customer_id) == [created]
