"""POST /customers/{id}/payment-methods/bank: US and Canadian accounts, and their rules."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.customers import archive_customer, new_customer
from tests.support.errors import assert_http_error
from tests.support.payment_methods import (
    BAD_ROUTING_NUMBER,
    CA_BANK,
    PAYMENT_METHOD_FIELDS,
    ROUTING_NUMBER,
    US_BANK,
    add_bank,
    listed_methods,
    methods_url,
)
from tests.support.tenants import Tenant

US_DATA = US_BANK["us_account_data"]
CA_DATA = CA_BANK["ca_account_data"]


def post_bank(api: TestClient, tenant: Tenant, customer_id: str, body: Any) -> Any:
    return api.post(f"{methods_url(customer_id)}/bank", json=body, headers=tenant.headers)


def without(body: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in names}


def test_a_us_account_keeps_its_last_four_digits(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)

    method = add_bank(api, tenant, customer_id, {**US_BANK, "custom_name": "Payroll"})

    assert set(method) == PAYMENT_METHOD_FIELDS
    assert without(method, "id", "created_at") == {
        "type": "ach",
        "brand": "Chase",
        "last4": "6789",
        "exp_month": "",
        "exp_year": "",
        "default": True,
        "custom_name": "Payroll",
        "funding": "",
        "country": "US",
    }
    assert listed_methods(api, tenant, customer_id) == [method]


def test_a_canadian_account_keeps_its_last_four_digits(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)

    method = add_bank(api, tenant, customer_id, CA_BANK)

    assert without(method, "id", "created_at") == {
        "type": "ach",
        "brand": "RBC Royal Bank",
        "last4": "4567",
        "exp_month": "",
        "exp_year": "",
        "default": True,
        "custom_name": "",
        "funding": "",
        "country": "CA",
    }


@pytest.mark.parametrize(
    "body",
    [
        {**US_BANK, "us_account_data": {**US_DATA, "account_number": "1234"}},
        {**US_BANK, "us_account_data": {**US_DATA, "account_number": "1" * 17}},
        {**US_BANK, "us_account_data": {**US_DATA, "routing_number": "021000021"}},
        {**US_BANK, "subtype": "savings"},
        without(US_BANK, "institution_name", "receiver_name"),
        {**US_BANK, "ca_account_data": None},
        {**CA_BANK, "ca_account_data": {**CA_DATA, "account_number": "1" * 12}},
        {**CA_BANK, "us_account_data": None},
    ],
)
def test_accepted_bank_accounts(api: TestClient, tenant: Tenant, body: dict[str, Any]) -> None:
    customer_id = new_customer(api, tenant)

    reply = post_bank(api, tenant, customer_id, body)

    assert reply.status_code == 201, reply.text
    data = body.get("us_account_data") or body["ca_account_data"]
    assert reply.json()["last4"] == data["account_number"][-4:]
    assert reply.json()["brand"] == body.get("institution_name", "")


def _us(**fields: Any) -> dict[str, Any]:
    return {**US_BANK, "us_account_data": {**US_DATA, **fields}}


def _ca(**fields: Any) -> dict[str, Any]:
    return {**CA_BANK, "ca_account_data": {**CA_DATA, **fields}}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (_us(routing_number=BAD_ROUTING_NUMBER), ["us_account_data.routing_number"]),
        (_us(routing_number="01100001"), ["us_account_data.routing_number"]),
        (_us(routing_number="0110000150"), ["us_account_data.routing_number"]),
        (_us(routing_number="01100001a"), ["us_account_data.routing_number"]),
        (_us(routing_number=11000015), ["us_account_data.routing_number"]),
        (_us(account_number="123"), ["us_account_data.account_number"]),
        (_us(account_number="1" * 18), ["us_account_data.account_number"]),
        (_us(account_number="1234-5678"), ["us_account_data.account_number"]),
        (_us(account_number=" 12345678"), ["us_account_data.account_number"]),
        (_us(account_number="١٢٣٤٥"), ["us_account_data.account_number"]),
        (_us(iban="x"), ["us_account_data.iban"]),
        (
            {**US_BANK, "us_account_data": {}},
            ["us_account_data.routing_number", "us_account_data.account_number"],
        ),
        (_ca(institution_code="03"), ["ca_account_data.institution_code"]),
        (_ca(transit_number="1234"), ["ca_account_data.transit_number"]),
        (_ca(account_number="123456"), ["ca_account_data.account_number"]),
        (_ca(account_number="1" * 13), ["ca_account_data.account_number"]),
        (without(US_BANK, "us_account_data"), ["us_account_data"]),
        ({**US_BANK, "us_account_data": None}, ["us_account_data"]),
        ({**US_BANK, "ca_account_data": CA_DATA}, ["ca_account_data"]),
        (without(CA_BANK, "ca_account_data"), ["ca_account_data"]),
        ({**CA_BANK, "us_account_data": US_DATA}, ["us_account_data"]),
        ({**US_BANK, "account_data_type": "MX"}, ["account_data_type"]),
        ({**US_BANK, "account_data_type": "us"}, ["account_data_type"]),
        (without(US_BANK, "account_data_type"), ["account_data_type"]),
        ({**US_BANK, "subtype": "business"}, ["subtype"]),
        (without(US_BANK, "subtype"), ["subtype"]),
        ({**US_BANK, "institution_name": "x" * 101}, ["institution_name"]),
        ({**US_BANK, "receiver_name": "x" * 256}, ["receiver_name"]),
        ({**US_BANK, "custom_name": "\x07"}, ["custom_name"]),
        ({**US_BANK, "type": "ach"}, ["type"]),
    ],
)
def test_refused_bank_accounts_write_nothing(
    api: TestClient, tenant: Tenant, body: dict[str, Any], fields: list[str]
) -> None:
    customer_id = new_customer(api, tenant)

    reply = post_bank(api, tenant, customer_id, body)

    assert_http_error(reply, 422, "validation_error", fields=fields, case=body)
    assert listed_methods(api, tenant, customer_id) == []


def test_only_the_last_four_digits_are_stored(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    body = _us(account_number="98765432101234")

    method = add_bank(api, tenant, customer_id, body)

    listed = api.get(methods_url(customer_id), headers=tenant.headers).text
    assert method["last4"] == "1234"
    assert "9876543210" not in listed
    assert ROUTING_NUMBER not in listed


def test_an_archived_customer_refuses_bank_accounts(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    archive_customer(api, tenant, customer_id=customer_id)

    reply = post_bank(api, tenant, customer_id, US_BANK)

    assert_http_error(reply, 400, "customer_archived")
    assert listed_methods(api, tenant, customer_id) == []
