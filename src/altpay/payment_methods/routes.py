"""HTTP for a customer's payment methods."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from altpay.auth.dependencies import CustomersRead, CustomersWrite
from altpay.core.errors import ValidationFailed, raises
from altpay.core.http.body import json_body
from altpay.core.http.connections import ReadConnection, WriteConnection
from altpay.core.http.params import CustomerId, PaymentMethodId
from altpay.customers.errors import CustomerArchived, CustomerNotFound
from altpay.idempotency.dependencies import IdempotentAction, IdempotentCreate, remember
from altpay.payment_methods import service
from altpay.payment_methods.dependencies import CardProviders
from altpay.payment_methods.errors import CardExpired, InvalidCardToken, PaymentMethodNotFound
from altpay.payment_methods.schemas import (
    BANK_ACCOUNT_NUMBERS,
    AddBankInput,
    AddCardInput,
    ChangeDefaultResponse,
    GetPaymentMethodsReply,
    PaymentMethod,
)

router = APIRouter(tags=["Customers"])

CardBody = Annotated[AddCardInput, Depends(json_body(AddCardInput))]
BankBody = Annotated[
    AddBankInput,
    Depends(json_body(AddBankInput, card_numbers_allowed_in=BANK_ACCOUNT_NUMBERS)),
]


@router.get(
    "/customers/{id}/payment-methods",
    operation_id="listPaymentMethods",
    summary="List payment methods",
)
@raises(CustomerNotFound)
async def list_payment_methods(
    principal: CustomersRead, id: CustomerId, connection: ReadConnection
) -> GetPaymentMethodsReply:
    """Get payment methods associated with a customer"""
    return await service.list_methods(connection, principal.account_id, id)


@router.post(
    "/customers/{id}/payment-methods/card",
    operation_id="addCardPaymentMethod",
    summary="Add a card payment method",
    status_code=201,
)
@raises(CustomerNotFound, CustomerArchived, ValidationFailed, CardExpired, InvalidCardToken)
async def add_card_payment_method(
    principal: CustomersWrite,
    id: CustomerId,
    claim: IdempotentCreate,
    body: CardBody,
    providers: CardProviders,
    connection: WriteConnection,
) -> PaymentMethod:
    """Add a card to a customer by a card provider's token"""
    method = await service.add_card(connection, principal.account_id, id, body, providers)
    await remember(claim, connection, 201, method)
    return method


@router.post(
    "/customers/{id}/payment-methods/bank",
    operation_id="addBankPaymentMethod",
    summary="Add a bank account payment method",
    status_code=201,
)
@raises(CustomerNotFound, CustomerArchived, ValidationFailed)
async def add_bank_payment_method(
    principal: CustomersWrite,
    id: CustomerId,
    claim: IdempotentCreate,
    body: BankBody,
    connection: WriteConnection,
) -> PaymentMethod:
    """Add a US or Canadian bank account to a customer"""
    method = await service.add_bank_account(connection, principal.account_id, id, body)
    await remember(claim, connection, 201, method)
    return method


@router.get(
    "/customers/{id}/payment-methods/{method_id}",
    operation_id="getPaymentMethod",
    summary="Get payment method by ID",
)
@raises(CustomerNotFound, PaymentMethodNotFound)
async def get_payment_method(
    principal: CustomersRead,
    id: CustomerId,
    method_id: PaymentMethodId,
    connection: ReadConnection,
) -> PaymentMethod:
    """Get a specific payment method associated with a customer by payment method ID"""
    return await service.get_method(connection, principal.account_id, id, method_id)


@router.delete(
    "/customers/{id}/payment-methods/{method_id}",
    operation_id="deletePaymentMethod",
    summary="Delete a payment method",
)
@raises(CustomerNotFound, PaymentMethodNotFound)
async def delete_payment_method(
    principal: CustomersWrite,
    id: CustomerId,
    method_id: PaymentMethodId,
    connection: WriteConnection,
) -> PaymentMethod:
    """Delete a payment method of a customer; returns it as it was"""
    return await service.delete_method(connection, principal.account_id, id, method_id)


@router.patch(
    "/customers/{id}/payment-methods/{method_id}/default",
    operation_id="changeDefaultPaymentMethod",
    summary="Change the default payment method",
)
@raises(CustomerNotFound, PaymentMethodNotFound, CustomerArchived)
async def change_default_payment_method(
    principal: CustomersWrite,
    id: CustomerId,
    method_id: PaymentMethodId,
    claim: IdempotentAction,
    connection: WriteConnection,
) -> ChangeDefaultResponse:
    """Make a payment method the customer's default"""
    changed = await service.change_default(connection, principal.account_id, id, method_id)
    await remember(claim, connection, 200, changed)
    return changed
