"""HTTP for a customer's payment methods."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from altpay.auth.dependencies import CustomersRead
from altpay.customers.routes import CustomerId
from altpay.deps import reading
from altpay.payment_methods import service
from altpay.payment_methods.schemas import GetPaymentMethodsReply, PaymentMethod

router = APIRouter(tags=["Customers"])


@router.get(
    "/customers/{id}/payment-methods",
    operation_id="listPaymentMethods",
    summary="List payment methods",
)
async def list_payment_methods(
    principal: CustomersRead, id: CustomerId, request: Request
) -> GetPaymentMethodsReply:
    """Get payment methods associated with a customer"""
    async with reading(request) as connection:
        return await service.list_methods(connection, principal.account_id, id)


@router.get(
    "/customers/{id}/payment-methods/{method_id}",
    operation_id="getPaymentMethod",
    summary="Get payment method by ID",
)
async def get_payment_method(
    principal: CustomersRead,
    id: CustomerId,
    method_id: Annotated[str, Path(description="Payment Method ID")],
    request: Request,
) -> PaymentMethod:
    """Get a specific payment method associated with a customer by payment method ID"""
    async with reading(request) as connection:
        return await service.get_method(connection, principal.account_id, id, method_id)
