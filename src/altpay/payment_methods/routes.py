"""HTTP for a customer's payment methods."""

from __future__ import annotations

from fastapi import APIRouter

from altpay.auth.dependencies import CustomersRead
from altpay.core.errors import raises
from altpay.core.http.connections import ReadConnection
from altpay.core.http.params import CustomerId, PaymentMethodId
from altpay.customers.errors import CustomerNotFound
from altpay.payment_methods import service
from altpay.payment_methods.errors import PaymentMethodNotFound
from altpay.payment_methods.schemas import GetPaymentMethodsReply, PaymentMethod

router = APIRouter(tags=["Customers"])


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
