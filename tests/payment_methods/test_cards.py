"""POST /customers/{id}/payment-methods/card: a card by the sandbox provider's test tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from altpay.core.settings import Settings
from tests.support.app import app_client
from tests.support.customers import TIMESTAMP, archive_customer, new_customer
from tests.support.errors import assert_http_error
from tests.support.payment_methods import (
    PAYMENT_METHOD_FIELDS,
    add_card,
    card_body,
    listed_methods,
    methods_url,
)
from tests.support.tenants import Tenant, create_tenant

EXPIRY_YEAR = str(datetime.now(UTC).year + 3)
TEST_TOKENS = [
    ("tok_visa", "visa", "credit", "4242"),
    ("tok_visa_debit", "visa", "debit", "5556"),
    ("tok_mastercard", "mastercard", "credit", "4444"),
    ("tok_mastercard_debit", "mastercard", "debit", "8210"),
    ("tok_amex", "amex", "credit", "8431"),
    ("tok_discover", "discover", "credit", "1117"),
    ("tok_interac", "interac", "debit", "0000"),
]


def post_card(api: TestClient, tenant: Tenant, customer_id: str, body: Any) -> Any:
    return api.post(f"{methods_url(customer_id)}/card", json=body, headers=tenant.headers)


@pytest.mark.parametrize(("token", "brand", "funding", "last4"), TEST_TOKENS)
def test_every_test_token_makes_its_card(
    api: TestClient, tenant: Tenant, token: str, brand: str, funding: str, last4: str
) -> None:
    customer_id = new_customer(api, tenant)

    reply = post_card(api, tenant, customer_id, card_body(token, custom_name="Office card"))

    assert reply.status_code == 201, reply.text
    method = reply.json()
    assert set(method) == PAYMENT_METHOD_FIELDS
    assert re.fullmatch(r"pm_[0-9a-z]{26}", method["id"])
    assert TIMESTAMP.fullmatch(method["created_at"])
    assert {key: value for key, value in method.items() if key not in {"id", "created_at"}} == {
        "type": "card",
        "brand": brand,
        "funding": funding,
        "last4": last4,
        "exp_month": "12",
        "exp_year": EXPIRY_YEAR,
        "default": True,
        "custom_name": "Office card",
        "country": "",
    }
    assert listed_methods(api, tenant, customer_id) == [method]
    got = api.get(f"{methods_url(customer_id)}/{method['id']}", headers=tenant.headers)
    assert got.json() == method


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("tok_expired", "card_expired"),
        ("tok_unknown", "invalid_card_token"),
        ("4242", "invalid_card_token"),
        ("TOK_VISA", "invalid_card_token"),
    ],
)
def test_refused_tokens_write_nothing(
    api: TestClient, tenant: Tenant, token: str, code: str
) -> None:
    customer_id = new_customer(api, tenant)

    reply = post_card(api, tenant, customer_id, card_body(token))

    assert_http_error(reply, 422, code, fields=["card_provider_token"])
    assert listed_methods(api, tenant, customer_id) == []


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (card_body(provider="stripe"), ["provider"]),
        (card_body(provider="Sandbox"), ["provider"]),
        ({"card_provider_token": "tok_visa"}, ["provider"]),
        ({"provider": "sandbox"}, ["card_provider_token"]),
        (card_body(""), ["card_provider_token"]),
        (card_body(provider="  "), ["provider"]),
        (card_body(7), ["card_provider_token"]),
        (card_body(custom_name="x" * 256), ["custom_name"]),
        (card_body(custom_name="a\x00b"), ["custom_name"]),
        (card_body(number="tok"), ["number"]),
        ({**card_body(), "default": True}, ["default"]),
        ({}, ["provider", "card_provider_token"]),
    ],
)
def test_invalid_card_fields_are_named(
    api: TestClient, tenant: Tenant, body: dict[str, Any], fields: list[str]
) -> None:
    customer_id = new_customer(api, tenant)

    reply = post_card(api, tenant, customer_id, body)

    assert_http_error(reply, 422, "validation_error", fields=fields, case=body)
    assert listed_methods(api, tenant, customer_id) == []


def test_custom_name_is_trimmed_and_optional(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)

    named = add_card(api, tenant, customer_id, custom_name="  Travel  ")
    unnamed = add_card(api, tenant, customer_id, "tok_amex")

    assert named["custom_name"] == "Travel"
    assert unnamed["custom_name"] == ""


def test_a_bad_token_for_an_unknown_customer_is_422(api: TestClient, tenant: Tenant) -> None:
    reply = post_card(api, tenant, "cus_01jz0000000000000000000000", card_body("tok_nope"))

    assert_http_error(reply, 422, "invalid_card_token")


def test_an_archived_customer_refuses_cards(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    archive_customer(api, tenant, customer_id=customer_id)

    reply = post_card(api, tenant, customer_id, card_body())

    assert_http_error(reply, 400, "customer_archived")
    assert listed_methods(api, tenant, customer_id) == []


@pytest.fixture(params=["production-default", "turned-off"])
def without_sandbox(request: pytest.FixtureRequest, settings: Settings) -> Iterator[TestClient]:
    """The app with the sandbox off: production mode without ALTPAY_SANDBOX, or sandbox=false."""
    if request.param == "production-default":
        off = settings.model_copy(update={"env": "production"})
    else:
        off = settings.model_copy(update={"sandbox": False})
    assert not off.sandbox_enabled
    with app_client(off) as client:
        yield client


def test_without_the_sandbox_its_provider_is_unknown(without_sandbox: TestClient) -> None:
    tenant = create_tenant(without_sandbox)
    customer_id = new_customer(without_sandbox, tenant)

    reply = post_card(without_sandbox, tenant, customer_id, card_body())

    assert_http_error(reply, 422, "validation_error", fields=["provider"])
    assert listed_methods(without_sandbox, tenant, customer_id) == []


def test_production_turns_the_sandbox_on_only_when_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALTPAY_SANDBOX", raising=False)
    monkeypatch.delenv("ALTPAY_ENV", raising=False)
    assert Settings().sandbox_enabled is True
    monkeypatch.setenv("ALTPAY_SANDBOX", "false")
    assert Settings().sandbox_enabled is False
    monkeypatch.setenv("ALTPAY_ENV", "production")
    monkeypatch.delenv("ALTPAY_SANDBOX")
    assert Settings().sandbox_enabled is False
    monkeypatch.setenv("ALTPAY_SANDBOX", "true")
    assert Settings().sandbox_enabled is True
