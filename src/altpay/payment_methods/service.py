"""The rules of payment methods. No HTTP, no commit."""

from __future__ import annotations

from typing import Any

from altpay.core.db import SqlConnection
from altpay.core.ids import is_well_formed, new_id
from altpay.core.timestamps import format_timestamp, utc_now
from altpay.customers import repository as customer_repository
from altpay.customers.errors import CustomerArchived, CustomerNotFound
from altpay.customers.service import find_customer, set_default_payment_method
from altpay.payment_methods import repository
from altpay.payment_methods.errors import PaymentMethodNotFound
from altpay.payment_methods.schemas import GetPaymentMethodsReply, NewPaymentMethod, PaymentMethod


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
    )


async def list_methods(
    connection: SqlConnection, account_id: str, customer_id: str
) -> GetPaymentMethodsReply:
    customer = await find_customer(connection, account_id, customer_id)
    rows = await repository.list_methods(connection, customer_id)
    default = customer.default_payment_method_id
    return GetPaymentMethodsReply(data=[method_reply(row, default) for row in rows])


async def get_method(
    connection: SqlConnection, account_id: str, customer_id: str, method_id: str
) -> PaymentMethod:
    customer = await find_customer(connection, account_id, customer_id)
    row = None
    if is_well_formed("pm", method_id):
        row = await repository.find_method(connection, customer_id, method_id)
    if row is None:
        raise PaymentMethodNotFound()
    return method_reply(row, customer.default_payment_method_id)


async def add_method(
    connection: SqlConnection, customer_id: str, data: NewPaymentMethod
) -> PaymentMethod:
    """Attaches a payment method (the operator's path; the API has no route for it yet)."""
    account_id = None
    if is_well_formed("cus", customer_id):
        account_id = await customer_repository.account_of_customer(connection, customer_id)
    if account_id is None:
        raise CustomerNotFound(f"No customer {customer_id}.")
    customer = await find_customer(connection, account_id, customer_id, for_update=True)
    if customer.archived_at is not None:
        raise CustomerArchived()
    now = utc_now()
    method_id = new_id("pm")
    values = {
        "id": method_id,
        "customer_id": customer_id,
        "type": data.type.value,
        "brand": data.brand,
        "last4": data.last4,
        "exp_month": data.exp_month,
        "exp_year": data.exp_year,
        "created_at": now,
        "updated_at": now,
    }
    await repository.insert_method(connection, values)
    if data.default:
        await set_default_payment_method(connection, customer_id, method_id)
    row = await repository.find_method(connection, customer_id, method_id)
    return method_reply(row, method_id if data.default else customer.default_payment_method_id)
