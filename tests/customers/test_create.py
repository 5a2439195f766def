"""POST /customers (createCustomer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.customers import (
    CUSTOMER_FIELDS,
    CUSTOMER_ID,
    TIMESTAMP,
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

VALID = {"name": "Acme Corp", "email": "billing@acme.com"}
OPTIONAL_TEXT_FIELDS = ["legal_name", "external_id", "street_address", "sub_premise", "city"]
# Without a country, state and postal code are free text.
LIMITED_FIELDS = ["name", *OPTIONAL_TEXT_FIELDS, "state", "postal_code"]
STRING_FIELDS = [*LIMITED_FIELDS, "email", "ein", "country"]
# Decimal digits (Unicode category Nd) that are not ASCII: never an EIN, ZIP or postal code.
ARABIC_INDIC_DIGITS = "".join(chr(0x0660 + digit) for digit in range(10))
FULLWIDTH_DIGITS = "".join(chr(0xFF10 + digit) for digit in range(10))
# A valid address of 254 characters: 64-character local part, labels of at most 63.
EMAIL_254 = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"


def post(api: TestClient, tenant: Tenant, body: Any) -> Any:
    return api.post("/customers", json=body, headers=tenant.headers)


def assert_each_rejected(
    api: TestClient, tenant: Tenant, cases: list[tuple[dict[str, Any], set[str]]]
) -> None:
    """Each body is 422 validation_error naming exactly its fields, and nothing is written."""
    before = all_customers(api, tenant)
    for body, fields in cases:
        reply = post(api, tenant, body)
        assert_http_error(reply, status=422, code="validation_error", fields=fields, case=body)
    assert all_customers(api, tenant) == before


def raw_object(**fields: str) -> str:
    """A JSON object whose values are written verbatim (JSON escapes included)."""
    return "{" + ", ".join(f'"{key}": "{value}"' for key, value in fields.items()) + "}"


def test_create_returns_every_field(api: TestClient, tenant: Tenant) -> None:
    body = {
        "name": "Acme Corp",
        "legal_name": "Acme Corporation LLC",
        "email": "billing@acme.com",
        "ein": "123456789",
        "external_id": "crm-42",
        "street_address": "1 Main St",
        "sub_premise": "Suite 200",
        "city": "New York",
        "state": "NY",
        "postal_code": "10001-1234",
        "country": "US",
    }
    started = datetime.now(UTC)
    reply = post(api, tenant, body)

    assert reply.status_code == 201, reply.text
    customer = reply.json()
    assert set(customer) == CUSTOMER_FIELDS
    assert CUSTOMER_ID.fullmatch(customer["id"])
    assert TIMESTAMP.fullmatch(customer["created_at"])
    created_at = datetime.fromisoformat(customer["created_at"].replace("Z", "+00:00"))
    assert started - timedelta(seconds=1) <= created_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert customer == {
        **body,
        "id": customer["id"],
        "created_at": customer["created_at"],
        "ein": "12-3456789",
        "customer_integration_id": "",
        "default_payment_method_id": "",
        "archived_at": "",
    }
    assert reply.headers["Location"] == f"/customers/{customer['id']}"
    assert api.get(reply.headers["Location"], headers=tenant.headers).json() == customer


def test_create_with_name_and_email_only_fills_every_other_field_with_empty_strings(
    api: TestClient, tenant: Tenant
) -> None:
    customer = create_customer(api, tenant, name="Solo", email="solo@acme.com")

    assert customer == {
        "id": customer["id"],
        "name": "Solo",
        "legal_name": "",
        "email": "solo@acme.com",
        "ein": "",
        "external_id": "",
        "street_address": "",
        "sub_premise": "",
        "city": "",
        "state": "",
        "postal_code": "",
        "country": "",
        "created_at": customer["created_at"],
        "customer_integration_id": "",
        "default_payment_method_id": "",
        "archived_at": "",
    }
    assert TIMESTAMP.fullmatch(customer["created_at"])
    assert all_customers(api, tenant) == [customer]
    assert get_customer(api, tenant, customer_id=customer["id"]) == customer


def test_each_create_makes_a_new_customer(api: TestClient, tenant: Tenant) -> None:
    first = create_customer(api, tenant)
    second = create_customer(api, tenant)

    assert first["id"] != second["id"]
    assert all_customers(api, tenant) == [second, first]


def test_anonymous_is_unauthorized_and_creates_nothing(api: TestClient, tenant: Tenant) -> None:
    reply = api.post("/customers", json=VALID)

    assert_unauthenticated(reply)
    assert all_customers(api, tenant) == []


def test_malformed_token_is_unauthorized(api: TestClient, tenant: Tenant) -> None:
    reply = api.post("/customers", json=VALID, headers={"Authorization": "Bearer not-a-token"})

    assert_http_error(reply, status=401, code="unauthorized", fields=set())
    assert reply.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert all_customers(api, tenant) == []


def test_read_scope_is_forbidden_and_creates_nothing(
    api: TestClient, reader: Tenant, tenant_reader: Tenant, tenant: Tenant
) -> None:
    assert_insufficient_scope(post(api, reader, VALID))
    assert_insufficient_scope(post(api, tenant_reader, VALID))

    assert all_customers(api, reader) == []
    assert all_customers(api, tenant) == []


def test_authentication_is_checked_before_the_body(api: TestClient, reader: Tenant) -> None:
    assert_unauthenticated(api.post("/customers", json={"nickname": 1}))
    assert_insufficient_scope(post(api, reader, {"nickname": 1}))


def test_created_customer_belongs_to_its_account_only(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    customer = create_customer(api, tenant)

    assert all_customers(api, other_tenant) == []
    reply = api.get(f"/customers/{customer['id']}", headers=other_tenant.headers)
    assert_http_error(reply, status=404, code="not_found", fields=set())


def test_name_and_email_are_required(api: TestClient, tenant: Tenant) -> None:
    assert_each_rejected(
        api,
        tenant,
        [
            ({}, {"name", "email"}),
            ({"email": "billing@acme.com"}, {"name"}),
            ({"name": "Acme"}, {"email"}),
            ({"legal_name": "Acme LLC", "city": "Paris"}, {"name", "email"}),
        ],
    )


def test_required_fields_empty_after_trimming_are_invalid(api: TestClient, tenant: Tenant) -> None:
    assert_each_rejected(
        api,
        tenant,
        [
            ({**VALID, "name": ""}, {"name"}),
            ({**VALID, "name": " \t\n "}, {"name"}),
            ({**VALID, "email": ""}, {"email"}),
            ({**VALID, "email": "   "}, {"email"}),
            ({"name": "  ", "email": "  "}, {"name", "email"}),
        ],
    )


def test_strings_are_trimmed(api: TestClient, tenant: Tenant) -> None:
    customer = create_customer(
        api,
        tenant,
        name="  Acme Corp \t",
        email=" billing@acme.com\n",
        legal_name="  Acme LLC  ",
        ein=" 12-3456789 ",
        external_id="  crm-1  ",
        street_address=" 1 Main St ",
        sub_premise=" Suite 2 ",
        city=" Toronto ",
        state=" ON ",
        postal_code=" K1A 0B1 ",
        country=" ca ",
    )

    assert customer == {
        "id": customer["id"],
        "created_at": customer["created_at"],
        "name": "Acme Corp",
        "email": "billing@acme.com",
        "legal_name": "Acme LLC",
        "ein": "12-3456789",
        "external_id": "crm-1",
        "street_address": "1 Main St",
        "sub_premise": "Suite 2",
        "city": "Toronto",
        "state": "ON",
        "postal_code": "K1A 0B1",
        "country": "CA",
        "customer_integration_id": "",
        "default_payment_method_id": "",
        "archived_at": "",
    }


def test_optional_fields_blank_after_trimming_are_empty(api: TestClient, tenant: Tenant) -> None:
    customer = create_customer(api, tenant, **dict.fromkeys(OPTIONAL_TEXT_FIELDS, "   "))

    assert {field: customer[field] for field in OPTIONAL_TEXT_FIELDS} == dict.fromkeys(
        OPTIONAL_TEXT_FIELDS, ""
    )


def test_text_of_255_characters_is_accepted(api: TestClient, tenant: Tenant) -> None:
    # Counted in characters, after trimming: 255 two-byte characters, padded with spaces.
    fields = {field: f"  {'é' * 254}{index}  " for index, field in enumerate(LIMITED_FIELDS)}

    customer = create_customer(api, tenant, **fields)

    assert {field: customer[field] for field in LIMITED_FIELDS} == {
        field: value.strip() for field, value in fields.items()
    }
    assert all(len(customer[field]) == 255 for field in LIMITED_FIELDS)


def test_text_of_256_characters_is_invalid(api: TestClient, tenant: Tenant) -> None:
    assert_each_rejected(
        api,
        tenant,
        [
            ({**VALID, **dict.fromkeys(LIMITED_FIELDS, "x" * 256)}, set(LIMITED_FIELDS)),
            *(({**VALID, field: "y" * 256}, {field}) for field in LIMITED_FIELDS),
        ],
    )


def test_email_of_254_characters_is_accepted(api: TestClient, tenant: Tenant) -> None:
    assert len(EMAIL_254) == 254

    assert create_customer(api, tenant, email=EMAIL_254)["email"] == EMAIL_254


def test_invalid_emails_are_rejected(api: TestClient, tenant: Tenant) -> None:
    emails = [
        "a" + EMAIL_254,
        "not-an-email",
        "billing@",
        "@acme.com",
        "billing@@acme.com",
        "bill ing@acme.com",
        "billing@acme",
        "billing@acme..com",
        "billing.acme.com",
    ]

    assert_each_rejected(api, tenant, [({**VALID, "email": email}, {"email"}) for email in emails])


@pytest.mark.parametrize(
    ("field", "escape"),
    [
        ("name", "\\u0000"),
        ("email", "\\u0000"),
        ("legal_name", "\\u0007"),
        ("city", "\\u001b"),
        ("external_id", "\\u007f"),
        ("street_address", "\\u0085"),
        ("name", "\\n"),
        ("sub_premise", "\\t"),
        ("name", "\\ud800"),
        ("email", "\\udfff"),
        ("city", "\\udc00"),
    ],
)
def test_control_characters_and_lone_surrogates_are_invalid(
    api: TestClient, tenant: Tenant, field: str, escape: str
) -> None:
    raw = raw_object(**{**VALID, field: f"a{escape}b"})

    reply = send_raw_json(api, tenant, method="POST", path="/customers", content=raw)

    assert_http_error(reply, status=422, code="validation_error", fields={field})
    assert all_customers(api, tenant) == []


def test_a_surrogate_pair_is_an_ordinary_character(api: TestClient, tenant: Tenant) -> None:
    raw = raw_object(name="Acme \\ud83d\\ude80", email="billing@acme.com")

    reply = send_raw_json(api, tenant, method="POST", path="/customers", content=raw)

    assert reply.status_code == 201, reply.text
    assert reply.json()["name"] == "Acme \U0001f680"


def test_non_strings_are_invalid(api: TestClient, tenant: Tenant) -> None:
    values: list[Any] = [None, 42, 1.5, True, ["Acme"], {"name": "Acme"}]

    assert_each_rejected(
        api,
        tenant,
        [
            *((dict.fromkeys(STRING_FIELDS, value), set(STRING_FIELDS)) for value in values),
            ({**VALID, "ein": 123456789}, {"ein"}),
            ({**VALID, "legal_name": None}, {"legal_name"}),
        ],
    )


def test_unknown_and_read_only_fields_are_each_named(api: TestClient, tenant: Tenant) -> None:
    extra = {
        "id": UNKNOWN_CUSTOMER_ID,
        "created_at": "2024-01-01T00:00:00.000000Z",
        "customer_integration_id": "int_1",
        "default_payment_method_id": "pm_1",
        "archived_at": "",
        "nickname": "Ace",
    }

    assert_each_rejected(
        api,
        tenant,
        [
            ({**VALID, **extra}, set(extra)),
            *(({**VALID, field: value}, {field}) for field, value in extra.items()),
        ],
    )


def test_field_errors_are_reported_together(api: TestClient, tenant: Tenant) -> None:
    body = {"name": " ", "email": "nope", "ein": "1", "country": "XX", "extra": 1}

    assert_each_rejected(api, tenant, [(body, {"name", "email", "ein", "country", "extra"})])


def test_body_that_is_not_a_json_object_is_a_bad_request(api: TestClient, tenant: Tenant) -> None:
    for content in ["{", '{"name": "Acme",}', "[]", '"Acme"', "null", ""]:
        reply = send_raw_json(api, tenant, method="POST", path="/customers", content=content)
        assert_http_error(reply, status=400, code="invalid_json", case=content)

    assert all_customers(api, tenant) == []


def test_body_that_is_not_json_is_unsupported(api: TestClient, tenant: Tenant) -> None:
    reply = api.post("/customers", data={"name": "Acme"}, headers=tenant.headers)

    assert_http_error(reply, status=415, code="unsupported_media_type")
    assert all_customers(api, tenant) == []


def test_ein_is_returned_as_xx_xxxxxxx(api: TestClient, tenant: Tenant) -> None:
    assert create_customer(api, tenant, ein="123456789")["ein"] == "12-3456789"
    assert create_customer(api, tenant, ein="98-7654321")["ein"] == "98-7654321"


def test_invalid_eins_are_rejected(api: TestClient, tenant: Tenant) -> None:
    eins = [
        "12345678",
        "1234567890",
        "12-345678",
        "123-456789",
        "12 3456789",
        "12--3456789",
        "12-345-6789",
        "12345678O",
        ARABIC_INDIC_DIGITS[1:],
        FULLWIDTH_DIGITS[1:],
    ]

    assert_each_rejected(api, tenant, [({**VALID, "ein": ein}, {"ein"}) for ein in eins])


def test_country_is_returned_upper_case_as_sent(api: TestClient, tenant: Tenant) -> None:
    sent_and_stored = [
        ("US", "US"),
        ("us", "US"),
        ("usa", "USA"),
        ("USA", "USA"),
        ("Fr", "FR"),
        ("deu", "DEU"),
    ]

    for sent, stored in sent_and_stored:
        assert create_customer(api, tenant, country=sent)["country"] == stored, sent


def test_invalid_countries_are_rejected(api: TestClient, tenant: Tenant) -> None:
    countries = ["XX", "ZZZ", "U", "United States", "840", "US-NY", "UK"]

    assert_each_rejected(
        api, tenant, [({**VALID, "country": country}, {"country"}) for country in countries]
    )


def test_valid_addresses_are_accepted(api: TestClient, tenant: Tenant) -> None:
    cases: list[tuple[dict[str, str], tuple[str, str]]] = [
        ({"country": "US", "state": "NY", "postal_code": "10001"}, ("NY", "10001")),
        ({"country": "USA", "state": "CA", "postal_code": "94105-1234"}, ("CA", "94105-1234")),
        ({"country": "us", "state": "tx", "postal_code": "73301"}, ("TX", "73301")),
        ({"country": "US", "state": "DC"}, ("DC", "")),
        ({"country": "US"}, ("", "")),
        ({"country": "CA", "state": "ON", "postal_code": "K1A 0B1"}, ("ON", "K1A 0B1")),
        ({"country": "CAN", "state": "QC", "postal_code": "H2X 1Y4"}, ("QC", "H2X 1Y4")),
        (
            {"country": "FR", "state": "Île-de-France", "postal_code": "75001"},
            ("Île-de-France", "75001"),
        ),
        ({"country": "GB", "postal_code": "SW1A 1AA"}, ("", "SW1A 1AA")),
        ({"state": "anything", "postal_code": "anything"}, ("anything", "anything")),
    ]

    for address, stored in cases:
        customer = create_customer(api, tenant, **address)
        assert (customer["state"], customer["postal_code"]) == stored, address


def test_us_and_canadian_addresses_are_checked(api: TestClient, tenant: Tenant) -> None:
    cases: list[tuple[dict[str, str], set[str]]] = [
        ({"country": "US", "state": "ZZ"}, {"state"}),
        ({"country": "US", "state": "New York"}, {"state"}),
        ({"country": "USA", "state": "ON"}, {"state"}),
        ({"country": "US", "postal_code": "1234"}, {"postal_code"}),
        ({"country": "US", "postal_code": "123456"}, {"postal_code"}),
        ({"country": "US", "postal_code": "12345-123"}, {"postal_code"}),
        ({"country": "US", "postal_code": "12345 6789"}, {"postal_code"}),
        ({"country": "US", "postal_code": "K1A 0B1"}, {"postal_code"}),
        ({"country": "US", "postal_code": ARABIC_INDIC_DIGITS[1:6]}, {"postal_code"}),
        ({"country": "CA", "state": "NY"}, {"state"}),
        ({"country": "CAN", "state": "Ontario"}, {"state"}),
        ({"country": "CA", "postal_code": "12345"}, {"postal_code"}),
        ({"country": "CA", "postal_code": "K1A-0B1"}, {"postal_code"}),
        ({"country": "CA", "postal_code": "KKA 0B1"}, {"postal_code"}),
        ({"country": "US", "state": "ZZ", "postal_code": "ABC"}, {"state", "postal_code"}),
    ]

    assert_each_rejected(api, tenant, [({**VALID, **address}, fields) for address, fields in cases])


def test_external_id_must_be_unique_in_the_account(api: TestClient, tenant: Tenant) -> None:
    create_customer(api, tenant, external_id="crm-1")

    assert_each_rejected(
        api,
        tenant,
        [
            ({**VALID, "external_id": "crm-1"}, {"external_id"}),
            ({**VALID, "external_id": "  crm-1 "}, {"external_id"}),
        ],
    )


def test_external_id_of_an_archived_customer_is_still_taken(
    api: TestClient, tenant: Tenant
) -> None:
    archived = create_customer(api, tenant, external_id="crm-1")
    archive_customer(api, tenant, customer_id=archived["id"])

    assert_each_rejected(api, tenant, [({**VALID, "external_id": "crm-1"}, {"external_id"})])


def test_external_id_comparison_is_exact(api: TestClient, tenant: Tenant) -> None:
    create_customer(api, tenant, external_id="crm-1")

    assert create_customer(api, tenant, external_id="CRM-1")["external_id"] == "CRM-1"
    assert create_customer(api, tenant, external_id="crm-10")["external_id"] == "crm-10"


def test_empty_and_absent_external_ids_never_collide(api: TestClient, tenant: Tenant) -> None:
    created = [
        create_customer(api, tenant, external_id=""),
        create_customer(api, tenant, external_id=""),
        create_customer(api, tenant, external_id="   "),
        create_customer(api, tenant),
        create_customer(api, tenant),
    ]

    assert [customer["external_id"] for customer in created] == [""] * 5
    assert len(all_customers(api, tenant)) == 5


def test_same_external_id_in_two_accounts_is_fine(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = create_customer(api, tenant, external_id="crm-1")
    theirs = create_customer(api, other_tenant, external_id="crm-1")

    assert mine["external_id"] == theirs["external_id"] == "crm-1"
    assert mine["id"] != theirs["id"]
