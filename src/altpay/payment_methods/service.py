"""The rules of payment methods. No HTTP, no commit.

Every way a method is made (a card by a provider's token, a bank account, the operator's
``altpay payment-methods add``, ``altpay seed``) ends in ``_attach``: the customer must be
active, and the first method a customer gets becomes its default.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from altpay.core.db import SqlConnection
from altpay.core.errors import ValidationFailed
from altpay.core.ids import is_well_formed, new_id
from altpay.core.timestamps import format_timestamp, utc_now
from altpay.customers import repository as customer_repository
from altpay.customers.errors import CustomerArchived, CustomerNotFound
from altpay.customers.service import find_customer, set_default_payment_method
from altpay.payment_methods import repository
from altpay.payment_methods.cards import CardProvider
from altpay.payment_methods.errors import PaymentMethodNotFound
from altpay.payment_methods.schemas import (
    AddBankInput,
    AddCardInput,
    ChangeDefaultResponse,
    GetPaymentMethodsReply,
    MethodDetails,
    MethodType,
    NewPaymentMethod,
    PaymentMethod,
)
from altpay.webhooks import topics
from altpay.webhooks.service import emit

_NO_PROVIDER = {"provider": "is not a card provider enabled on this service"}


def method_reply(row: Any, default_method_id: str | None) -> PaymentMethod:
    return PaymentMethod(
        id=row.id,
        type=row.type,
        brand=row.brand,
        last4=row.last4,
        exp_month=row.exp_month,
        exp_year=row.exp_year,
        default=row.id == default_method_id,
        created_at=format_timestamp(row.created_at),
        custom_name=row.custom_name,
        funding=row.funding,
        country=row.country,
    )


async def list_methods(
    connection: SqlConnection, account_id: str, customer_id: str
) -> GetPaymentMethodsReply:
    customer = await find_customer(connection, account_id, customer_id)
    rows = await repository.list_methods(connection, customer_id)
    default = customer.default_payment_method_id
    return GetPaymentMethodsReply(data=[method_reply(row, default) for row in rows])


async def _find_method(connection: SqlConnection, customer_id: str, method_id: str) -> Any:
    """The customer's own method, or NotFound: another customer's does not exist here."""
    row = None
    if is_well_formed("pm", method_id):
        row = await repository.find_method(connection, customer_id, method_id)
    if row is None:
        raise PaymentMethodNotFound()
    return row


async def get_method(
    connection: SqlConnection, account_id: str, customer_id: str, method_id: str
) -> PaymentMethod:
    customer = await find_customer(connection, account_id, customer_id)
    row = await _find_method(connection, customer_id, method_id)
    return method_reply(row, customer.default_payment_method_id)


async def _attach(
    connection: SqlConnection,
    account_id: str,
    customer: Any,
    values: dict[str, str],
    *,
    make_default: bool,
    method_id: str | None = None,
    created_at: datetime | None = None,
) -> PaymentMethod:
    """Stores a method of ``customer`` (its row, locked for update) and reports it; now, or
    as recorded (``method_id``, free, and ``created_at``: fixtures)."""
    if customer.archived_at is not None:
        raise CustomerArchived("An archived customer cannot be given payment methods.")
    first = not await repository.has_methods(connection, customer.id)
    now = created_at or utc_now()
    method_id = method_id or new_id("pm")
    await repository.insert_method(
        connection,
        {
            **values,
            "id": method_id,
            "customer_id": customer.id,
            "created_at": now,
            "updated_at": now,
        },
    )
    default = customer.default_payment_method_id
    if make_default or first:
        default = method_id
    added = method_reply(await repository.find_method(connection, customer.id, method_id), default)
    await emit(connection, account_id, topics.PAYMENT_METHOD_ADDED, customer.id, added)
    if default != customer.default_payment_method_id:
        await set_default_payment_method(connection, account_id, customer.id, method_id)
    return added


async def add_card(
    connection: SqlConnection,
    account_id: str,
    customer_id: str,
    data: AddCardInput,
    providers: Mapping[str, CardProvider],
) -> PaymentMethod:
    """A card by its provider's token. The token is a field: checked before the customer."""
    provider = providers.get(data.provider)
    if provider is None:
        raise ValidationFailed(validation_errors=_NO_PROVIDER)
    card = await provider.card_for(data.card_provider_token)
    customer = await find_customer(connection, account_id, customer_id, for_update=True)
    values = {
        "type": MethodType.card.value,
        "brand": card.brand,
        "last4": card.last4,
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "custom_name": data.custom_name,
        "funding": card.funding,
        "country": "",
    }
    return await _attach(connection, account_id, customer, values, make_default=False)


async def add_bank_account(
    connection: SqlConnection, account_id: str, customer_id: str, data: AddBankInput
) -> PaymentMethod:
    """A US or Canadian bank account (type ach); of its number, only the last four digits."""
    customer = await find_customer(connection, account_id, customer_id, for_update=True)
    values = {
        "type": MethodType.ach.value,
        "brand": data.institution_name,
        "last4": data.account_number[-4:],
        "exp_month": "",
        "exp_year": "",
        "custom_name": data.custom_name,
        "funding": "",
        "country": data.country,
    }
    return await _attach(connection, account_id, customer, values, make_default=False)


async def add_method(
    connection: SqlConnection, customer_id: str, data: NewPaymentMethod
) -> PaymentMethod:
    """The operator's way (``altpay payment-methods add``, ``altpay seed``): any account's
    customer, the details as given, the default when ``data.default`` or the first."""
    account_id = None
    if is_well_formed("cus", customer_id):
        account_id = await customer_repository.account_of_customer(connection, customer_id)
    if account_id is None:
        raise CustomerNotFound(f"No customer {customer_id}.")
    customer = await find_customer(connection, account_id, customer_id, for_update=True)
    return await _attach(connection, account_id, customer, data.stored(), make_default=data.default)


async def add_recorded_method(
    connection: SqlConnection,
    account_id: str,
    customer_id: str,
    data: MethodDetails,
    *,
    method_id: str,
    created_at: datetime,
) -> PaymentMethod:
    """A method as a fixture recorded it, under a free ``method_id``. The first a customer
    gets becomes its default, as always: the caller sets the recorded default afterwards."""
    customer = await find_customer(connection, account_id, customer_id, for_update=True)
    return await _attach(
        connection,
        account_id,
        customer,
        data.stored(),
        make_default=False,
        method_id=method_id,
        created_at=created_at,
    )


async def delete_method(
    connection: SqlConnection, account_id: str, customer_id: str, method_id: str
) -> PaymentMethod:
    """Deletes the method and returns it as it was. Deleting the default leaves none (the
    foreign key's ON DELETE SET NULL says so too); no other method is promoted. Allowed on
    an archived customer."""
    customer = await find_customer(connection, account_id, customer_id, for_update=True)
    row = await _find_method(connection, customer_id, method_id)
    reply = method_reply(row, customer.default_payment_method_id)
    await emit(connection, account_id, topics.PAYMENT_METHOD_DELETED, customer_id, reply)
    # Cleared before the row goes (its ON DELETE SET NULL would clear it unreported).
    if reply.default:
        await set_default_payment_method(connection, account_id, customer_id, None)
    await repository.delete_method(connection, method_id)
    return reply


async def change_default(
    connection: SqlConnection, account_id: str, customer_id: str, method_id: str
) -> ChangeDefaultResponse:
    customer = await find_customer(connection, account_id, customer_id, for_update=True)
    await _find_method(connection, customer_id, method_id)
    if customer.archived_at is not None:
        raise CustomerArchived("An archived customer's default payment method cannot change.")
    await set_default_payment_method(connection, account_id, customer_id, method_id)
    return ChangeDefaultResponse()
