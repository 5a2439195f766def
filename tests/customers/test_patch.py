"""PATCH /customers/{id} (updateCustomer)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.customers import (
    MALFORMED_CUSTOMER_IDS,
    UNKNOWN_CUSTOMER_ID,
    all_customers,
    archive_customer,
    create_customer,
    get_customer,
    send_raw_json,
)
from tests.support.errors import (
    assert_http_error,
    assert_insufficient_scope,
    assert_unauthenticated,
)
from tests.support.tenants import Tenant

FULL = {
    "name": "Acme Corp",
    "legal_name": "Acme Corporation",
    "email": "billing@acme.com",
    "ein": "12-3456789",
    "external_id": "crm-1",
    "street_address": "1 Main St",
    "sub_premise": "Suite 5",
    "city": "New York",
    "state": "NY",
    "postal_code": "10001",
    "country": "US",
}
OPTIONAL_PATCH_FIELDS = [
    "legal_name",
    "ein",
    "street_address",
    "sub_premise",
    "city",
    "state",
    "postal_code",
    "country",
]


def patch(api: TestClient, tenant: Tenant, customer_id: str, body: Any) -> Any:
    return api.patch(f"/customers/{customer_id}", json=body, headers=tenant.headers)


def patched(api: TestClient, tenant: Tenant, customer_id: str, body: Any) -> dict[str, Any]:
    reply = patch(api, tenant, customer_id, body)
    assert reply.status_code == 200, reply.text
    customer: dict[str, Any] = reply.json()
    assert get_customer(api, tenant, customer_id=customer_id) == customer
    return customer


def assert_each_rejected(
    api: TestClient, tenant: Tenant, customer_id: str, cases: list[tuple[Any, set[str]]]
) -> None:
    """Each patch is 422 validation_error naming exactly its fields; nothing changed."""
    before = all_customers(api, tenant)
    for body, fields in cases:
        reply = patch(api, tenant, customer_id, body)
        assert_http_error(reply, status=422, code="validation_error", fields=fields, case=body)
    assert all_customers(api, tenant) == before


def assert_rejected(
    api: TestClient, tenant: Tenant, customer_id: str, body: Any, *, fields: set[str]
) -> None:
    assert_each_rejected(api, tenant, customer_id, [(body, fields)])


@pytest.fixture
def customer(api: TestClient, tenant: Tenant) -> dict[str, Any]:
    return create_customer(api, tenant, **FULL)


def test_patch_changes_only_the_fields_sent(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    result = patched(api, tenant, customer["id"], {"name": "Acme Inc", "city": "Buffalo"})

    assert result == {**customer, "name": "Acme Inc", "city": "Buffalo"}


def test_patch_every_patchable_field(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    body = {
        "name": "Maple Ltd",
        "legal_name": "Maple Limited",
        "ein": "987654321",
        "street_address": "24 Sussex Dr",
        "sub_premise": "Unit 1",
        "city": "Ottawa",
        "state": "ON",
        "postal_code": "K1M 1M4",
        "country": "can",
    }

    result = patched(api, tenant, customer["id"], body)

    assert result == {**customer, **body, "ein": "98-7654321", "country": "CAN"}
    assert result["email"] == FULL["email"]
    assert result["external_id"] == FULL["external_id"]
    assert result["created_at"] == customer["created_at"]


def test_empty_patch_changes_nothing(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    assert patched(api, tenant, customer["id"], {}) == customer


def test_patched_strings_are_trimmed(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    result = patched(
        api, tenant, customer["id"], {"name": "  Trimmed  ", "city": "\tAlbany ", "country": " us"}
    )

    assert (result["name"], result["city"], result["country"]) == ("Trimmed", "Albany", "US")


@pytest.mark.parametrize("value", [None, "", "   "])
def test_null_or_empty_clears_the_optional_fields(
    api: TestClient, tenant: Tenant, customer: dict[str, Any], value: str | None
) -> None:
    result = patched(api, tenant, customer["id"], dict.fromkeys(OPTIONAL_PATCH_FIELDS, value))

    assert result == {**customer, **dict.fromkeys(OPTIONAL_PATCH_FIELDS, "")}


def test_null_clears_one_field_and_leaves_the_others(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    expected = customer
    for field in ["legal_name", "ein", "sub_premise", "country"]:
        expected = {**expected, field: ""}
        assert patched(api, tenant, customer["id"], {field: None}) == expected, field


def test_name_cannot_be_cleared(api: TestClient, tenant: Tenant, customer: dict[str, Any]) -> None:
    cases: list[tuple[Any, set[str]]] = [
        ({"name": None}, {"name"}),
        ({"name": ""}, {"name"}),
        ({"name": "  "}, {"name"}),
        ({"name": None, "city": "Albany"}, {"name"}),
    ]

    assert_each_rejected(api, tenant, customer["id"], cases)


def test_fields_outside_the_patch_schema_are_each_named(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    cases: list[tuple[Any, set[str]]] = [
        ({"email": "new@acme.com"}, {"email"}),
        ({"external_id": "crm-2"}, {"external_id"}),
        ({"id": UNKNOWN_CUSTOMER_ID}, {"id"}),
        ({"created_at": "2024-01-01T00:00:00.000000Z"}, {"created_at"}),
        ({"customer_integration_id": "int_1"}, {"customer_integration_id"}),
        ({"default_payment_method_id": ""}, {"default_payment_method_id"}),
        ({"archived_at": ""}, {"archived_at"}),
        (
            {"name": "Fine", "email": "x@acme.com", "external_id": "", "nickname": "Ace"},
            {"email", "external_id", "nickname"},
        ),
    ]

    assert_each_rejected(api, tenant, customer["id"], cases)


def test_invalid_fields_are_rejected_like_on_create(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    cases: list[tuple[Any, set[str]]] = [
        ({"name": "x" * 256}, {"name"}),
        ({"legal_name": "x" * 256, "city": "y" * 256}, {"legal_name", "city"}),
        (
            {"street_address": "x" * 256, "sub_premise": "y" * 256},
            {"street_address", "sub_premise"},
        ),
        ({"name": 42}, {"name"}),
        ({"city": True, "legal_name": 1.5, "state": ["NY"]}, {"city", "legal_name", "state"}),
        ({"ein": "12345"}, {"ein"}),
        ({"ein": 123456789}, {"ein"}),
        ({"country": "XX"}, {"country"}),
        ({"country": "United States"}, {"country"}),
        ({"name": "Fine", "ein": "bad", "country": "bad"}, {"ein", "country"}),
    ]

    assert_each_rejected(api, tenant, customer["id"], cases)


def test_255_characters_are_accepted(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    body = {"name": "n" * 255, "legal_name": "l" * 255, "street_address": " " + "s" * 255}

    result = patched(api, tenant, customer["id"], body)

    assert (result["name"], result["legal_name"], result["street_address"]) == (
        "n" * 255,
        "l" * 255,
        "s" * 255,
    )


def test_control_characters_and_lone_surrogates_are_rejected(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    before = all_customers(api, tenant)
    cases = [
        ("name", "\\u0000"),
        ("city", "\\u0001"),
        ("legal_name", "\\ud800"),
        ("name", "\\udfff"),
    ]

    for field, escape in cases:
        reply = send_raw_json(
            api,
            tenant,
            method="PATCH",
            path=f"/customers/{customer['id']}",
            content=f'{{"{field}": "a{escape}b"}}',
        )
        assert_http_error(reply, status=422, code="validation_error", fields={field}, case=escape)
    assert all_customers(api, tenant) == before


def test_body_that_is_not_a_json_object_is_a_bad_request(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    for content in ["{", "[]", '"name"', "null"]:
        reply = send_raw_json(
            api, tenant, method="PATCH", path=f"/customers/{customer['id']}", content=content
        )
        assert_http_error(reply, status=400, code="invalid_json", case=content)

    assert get_customer(api, tenant, customer_id=customer["id"]) == customer


def test_ein_and_country_are_normalized(api: TestClient, tenant: Tenant) -> None:
    customer = create_customer(api, tenant)

    result = patched(api, tenant, customer["id"], {"ein": "555555555", "country": "deu"})

    assert (result["ein"], result["country"]) == ("55-5555555", "DEU")


# Cross-field rules, on the merged result


def test_patching_the_country_to_us_checks_the_stored_state(
    api: TestClient, tenant: Tenant
) -> None:
    customer = create_customer(api, tenant, country="FR", state="ZZ", postal_code="75001")

    assert_rejected(api, tenant, customer["id"], {"country": "US"}, fields={"state"})


def test_patching_the_country_to_us_checks_the_stored_postal_code(
    api: TestClient, tenant: Tenant
) -> None:
    customer = create_customer(api, tenant, country="GB", postal_code="SW1A 1AA")

    assert_rejected(api, tenant, customer["id"], {"country": "USA"}, fields={"postal_code"})


def test_patching_the_country_to_canada_checks_both(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    assert_rejected(api, tenant, customer["id"], {"country": "CA"}, fields={"state", "postal_code"})


def test_patching_the_state_or_postal_code_checks_the_stored_country(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    cases: list[tuple[Any, set[str]]] = [
        ({"state": "ON"}, {"state"}),
        ({"state": "ZZ"}, {"state"}),
        ({"postal_code": "K1A 0B1"}, {"postal_code"}),
        ({"postal_code": "1000"}, {"postal_code"}),
        ({"state": "QC", "postal_code": "H2X 1Y4"}, {"state", "postal_code"}),
    ]

    assert_each_rejected(api, tenant, customer["id"], cases)


def test_moving_to_canada_with_a_canadian_address_is_accepted(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    body = {"country": "CA", "state": "QC", "postal_code": "H2X 1Y4"}

    assert patched(api, tenant, customer["id"], body) == {**customer, **body}


def test_clearing_the_country_lifts_the_rules(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    result = patched(api, tenant, customer["id"], {"country": None, "state": "Bavaria"})

    assert (result["country"], result["state"]) == ("", "Bavaria")


def test_clearing_state_and_postal_code_in_the_us_is_accepted(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    result = patched(api, tenant, customer["id"], {"state": "", "postal_code": None})

    assert (result["country"], result["state"], result["postal_code"]) == ("US", "", "")


def test_the_merged_address_is_stored_as_create_would_store_it(
    api: TestClient, tenant: Tenant
) -> None:
    customer = create_customer(api, tenant, country="FR", state="ny", postal_code="10001")
    assert customer["state"] == "ny"

    result = patched(api, tenant, customer["id"], {"country": "US"})
    created = create_customer(api, tenant, country="US", state="ny", postal_code="10001")

    assert (result["country"], result["state"], result["postal_code"]) == ("US", "NY", "10001")
    assert (created["state"], created["postal_code"]) == ("NY", "10001")


def test_a_patch_without_address_fields_leaves_the_address_alone(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    result = patched(api, tenant, customer["id"], {"legal_name": "Acme Holdings"})

    assert {key: result[key] for key in ("country", "state", "postal_code")} == {
        "country": "US",
        "state": "NY",
        "postal_code": "10001",
    }


# Who may patch what, and the order of checks


def test_patch_anonymous_is_unauthorized(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    assert_unauthenticated(api.patch(f"/customers/{customer['id']}", json={"name": "Nope"}))
    assert get_customer(api, tenant, customer_id=customer["id"]) == customer


def test_patch_without_write_scope_is_forbidden(api: TestClient, reader: Tenant) -> None:
    reply = api.patch(f"/customers/{UNKNOWN_CUSTOMER_ID}", json={"nope": 1}, headers=reader.headers)

    assert_insufficient_scope(reply)


def test_patch_with_read_scope_leaves_the_accounts_customer_alone(
    api: TestClient, tenant: Tenant, tenant_reader: Tenant, customer: dict[str, Any]
) -> None:
    reply = patch(api, tenant_reader, customer["id"], {"name": "Nope"})

    assert_insufficient_scope(reply)
    assert get_customer(api, tenant_reader, customer_id=customer["id"]) == customer


def test_patch_another_accounts_customer_is_not_found_like_an_unknown_id(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = create_customer(api, other_tenant, name="Theirs")

    reply = patch(api, tenant, theirs["id"], {"name": "Mine now"})
    unknown = patch(api, tenant, UNKNOWN_CUSTOMER_ID, {"name": "Mine now"})

    assert_http_error(reply, status=404, code="not_found", fields=set())
    assert reply.json() == unknown.json()
    assert unknown.status_code == 404
    assert get_customer(api, other_tenant, customer_id=theirs["id"]) == theirs


def test_patch_malformed_id_is_not_found(api: TestClient, tenant: Tenant) -> None:
    unknown = patch(api, tenant, UNKNOWN_CUSTOMER_ID, {"name": "Nope"})
    for customer_id in MALFORMED_CUSTOMER_IDS:
        reply = patch(api, tenant, customer_id, {"name": "Nope"})
        assert_http_error(reply, status=404, code="not_found", fields=set())
        assert reply.json() == unknown.json(), customer_id


def test_patch_archived_customer_is_refused(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    archived = archive_customer(api, tenant, customer_id=customer["id"])

    reply = patch(api, tenant, customer["id"], {"name": "Revived"})

    assert_http_error(reply, status=400, code="customer_archived", fields=set())
    assert get_customer(api, tenant, customer_id=customer["id"]) == archived


def test_archived_customer_with_a_bad_address_merge_is_still_archived_first(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    archive_customer(api, tenant, customer_id=customer["id"])

    reply = patch(api, tenant, customer["id"], {"state": "ZZ"})

    assert_http_error(reply, status=400, code="customer_archived")


def test_bad_body_to_an_archived_customer_is_invalid_before_archived(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    archive_customer(api, tenant, customer_id=customer["id"])
    cases: list[tuple[Any, set[str]]] = [
        ({"name": ""}, {"name"}),
        ({"email": "new@acme.com"}, {"email"}),
        ({"ein": "1"}, {"ein"}),
    ]

    assert_each_rejected(api, tenant, customer["id"], cases)


def test_bad_body_to_an_unknown_customer_is_invalid_before_not_found(
    api: TestClient, tenant: Tenant
) -> None:
    for customer_id in [UNKNOWN_CUSTOMER_ID, "nope"]:
        reply = patch(api, tenant, customer_id, {"name": None, "external_id": "x"})
        assert_http_error(
            reply,
            status=422,
            code="validation_error",
            fields={"name", "external_id"},
            case=customer_id,
        )


def test_bad_body_to_another_accounts_customer_is_invalid_like_an_unknown_one(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = create_customer(api, other_tenant)

    reply = patch(api, tenant, theirs["id"], {"email": "x@acme.com"})
    unknown = patch(api, tenant, UNKNOWN_CUSTOMER_ID, {"email": "x@acme.com"})

    assert_http_error(reply, status=422, code="validation_error", fields={"email"})
    assert reply.json() == unknown.json()


def test_restored_customer_can_be_patched_again(
    api: TestClient, tenant: Tenant, customer: dict[str, Any]
) -> None:
    archive_customer(api, tenant, customer_id=customer["id"])
    assert (
        api.post(f"/customers/{customer['id']}/restore", headers=tenant.headers).status_code == 200
    )

    assert patched(api, tenant, customer["id"], {"city": "Rochester"}) == {
        **customer,
        "city": "Rochester",
    }
