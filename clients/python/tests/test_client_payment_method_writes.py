"""The payment-method writes: cards by provider token, bank accounts, delete, make default
(behaviour.md, "Payment methods: the write side")."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from altpay_client import AsyncClient, BadRequestError, Client, Customer, ValidationError
from conftest import raw_get
from loopback_proxy import LossyProxy
from tests.support.server import Server
from tests.support.tenants import ApiClient


@pytest.fixture
def customer(client: Client) -> Customer:
    return client.customers.create(name="Wallet Inc", email="w@example.com")


def test_add_card_by_sandbox_token(client: Client, customer: Customer) -> None:
    card = client.customers.payment_methods.add_card(
        customer.id, provider="sandbox", card_provider_token="tok_visa", custom_name="Ops card"
    )
    assert card.id.startswith("pm_")
    assert (card.type, card.brand, card.last4, card.funding) == ("card", "visa", "4242", "credit")
    assert (card.exp_month, card.exp_year) == ("12", str(datetime.now(UTC).year + 3))
    assert (card.custom_name, card.country) == ("Ops card", "")
    assert card.default  # the first method a customer gets becomes its default
    assert client.customers.get(customer.id).default_payment_method_id == card.id
    assert client.customers.payment_methods.get(customer.id, card.id) == card
    debit = client.customers.payment_methods.add_card(
        customer.id, provider="sandbox", card_provider_token="tok_mastercard_debit"
    )
    assert (debit.brand, debit.last4, debit.funding, debit.default) == (
        "mastercard",
        "8210",
        "debit",
        False,
    )


def test_refused_cards(client: Client, customer: Customer) -> None:
    methods = client.customers.payment_methods
    with pytest.raises(ValidationError) as expired:
        methods.add_card(customer.id, provider="sandbox", card_provider_token="tok_expired")
    assert expired.value.code == "card_expired"
    with pytest.raises(ValidationError) as unknown:
        methods.add_card(customer.id, provider="sandbox", card_provider_token="tok_nope")
    assert unknown.value.code == "invalid_card_token"
    with pytest.raises(ValidationError) as provider:
        methods.add_card(customer.id, provider="acme-pay", card_provider_token="tok_visa")
    assert "provider" in provider.value.validation_errors
    with pytest.raises(ValidationError) as number:
        methods.add_card(
            customer.id,
            provider="sandbox",
            card_provider_token="tok_visa",
            custom_name="4242 4242 4242 4242",
        )
    assert number.value.code == "card_number_not_allowed"
    assert "custom_name" in number.value.validation_errors
    assert methods.list(customer.id) == []


def test_add_bank_accounts(client: Client, customer: Customer) -> None:
    us = client.customers.payment_methods.add_bank(
        customer.id,
        account_data_type="US",
        subtype="checking",
        us_account_data={"routing_number": "011000015", "account_number": "000123456789"},
        institution_name="Chase",
        receiver_name="Wallet Inc",
    )
    assert (us.type, us.brand, us.last4, us.country, us.funding) == (
        "ach",
        "Chase",
        "6789",
        "US",
        "",
    )
    assert (us.exp_month, us.exp_year) == ("", "")
    ca = client.customers.payment_methods.add_bank(
        customer.id,
        account_data_type="CA",
        subtype="savings",
        ca_account_data={
            "institution_code": "001",
            "transit_number": "12345",
            "account_number": "1234567",
        },
    )
    assert (ca.type, ca.last4, ca.country, ca.default) == ("ach", "4567", "CA", False)
    assert [m.id for m in client.customers.payment_methods.list(customer.id)] == [ca.id, us.id]
    with pytest.raises(ValidationError):
        client.customers.payment_methods.add_bank(
            customer.id,
            account_data_type="US",
            subtype="checking",
            us_account_data={"routing_number": "011000016", "account_number": "000123456789"},
        )


def test_make_default_and_delete(
    client: Client, customer: Customer, server: Server, credentials: ApiClient
) -> None:
    methods = client.customers.payment_methods
    first = methods.add_card(customer.id, provider="sandbox", card_provider_token="tok_visa")
    second = methods.add_card(customer.id, provider="sandbox", card_provider_token="tok_amex")
    changed = methods.make_default(customer.id, second.id)
    assert changed.response == "default payment method changed"
    assert client.customers.get(customer.id).default_payment_method_id == second.id
    assert [(m.id, m.default) for m in methods.list(customer.id)] == [
        (second.id, True),
        (first.id, False),
    ]
    deleted = methods.delete(customer.id, second.id)
    assert (deleted.id, deleted.default) == (second.id, True)  # the method as it was
    assert client.customers.get(customer.id).default_payment_method_id == ""  # none promoted
    raw = raw_get(server, credentials, f"/customers/{customer.id}/payment-methods")
    assert [(m["id"], m["default"]) for m in raw["data"]] == [(first.id, False)]


def test_an_archived_customer_refuses_new_methods_but_allows_deletion(
    client: Client, customer: Customer
) -> None:
    methods = client.customers.payment_methods
    card = methods.add_card(customer.id, provider="sandbox", card_provider_token="tok_visa")
    other = methods.add_card(customer.id, provider="sandbox", card_provider_token="tok_discover")
    client.customers.archive(customer.id)
    with pytest.raises(BadRequestError) as refused:
        methods.add_card(customer.id, provider="sandbox", card_provider_token="tok_amex")
    assert refused.value.code == "customer_archived"
    with pytest.raises(BadRequestError) as default:
        methods.make_default(customer.id, other.id)
    assert default.value.code == "customer_archived"
    assert methods.delete(customer.id, card.id).id == card.id


def test_a_card_whose_answer_is_lost_is_added_once(
    server: Server, credentials: ApiClient, customer: Customer, client: Client
) -> None:
    with LossyProxy(server.port) as proxy:
        proxy.drop_answer_to = f"POST /customers/{customer.id}/payment-methods/card ".encode()
        with Client(proxy.base_url, credentials.client_id, credentials.client_secret) as lossy:
            card = lossy.customers.payment_methods.add_card(
                customer.id, provider="sandbox", card_provider_token="tok_visa"
            )
        assert len(proxy.dropped) == 1
    assert [m.id for m in client.customers.payment_methods.list(customer.id)] == [card.id]


def test_the_async_writes(server: Server, credentials: ApiClient, customer: Customer) -> None:
    async def scenario() -> None:
        async with AsyncClient(
            server.base_url, credentials.client_id, credentials.client_secret
        ) as client:
            methods = client.customers.payment_methods
            card = await methods.add_card(
                customer.id, provider="sandbox", card_provider_token="tok_interac"
            )
            assert (card.brand, card.last4, card.funding) == ("interac", "0000", "debit")
            bank = await methods.add_bank(
                customer.id,
                account_data_type="US",
                subtype="savings",
                us_account_data={"routing_number": "011000015", "account_number": "1234"},
            )
            changed = await methods.make_default(customer.id, bank.id)
            assert changed.response == "default payment method changed"
            assert (await client.customers.get(customer.id)).default_payment_method_id == bank.id
            assert (await methods.delete(customer.id, card.id)).id == card.id
            assert [m.id for m in await methods.list(customer.id)] == [bank.id]

    asyncio.run(scenario())
