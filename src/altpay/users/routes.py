"""HTTP for customer users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from altpay.auth.dependencies import CustomersRead, CustomersWrite
from altpay.core.errors import ValidationFailed, raises
from altpay.core.http.body import json_body
from altpay.core.http.connections import ReadConnection, WriteConnection
from altpay.core.http.params import CustomerId
from altpay.core.pagination import JsonPage, Pages, pages_of
from altpay.customers.errors import CustomerArchived, CustomerNotFound
from altpay.idempotency.dependencies import IdempotentCreate, remember
from altpay.users import service
from altpay.users.schemas import CreateCustomerUserInput, CustomerUser, CustomerUserPage

router = APIRouter(tags=["Customers"])

CreateBody = Annotated[CreateCustomerUserInput, Depends(json_body(CreateCustomerUserInput))]
UserPages = Annotated[Pages, pages_of("users", CustomersRead, per="id")]


@router.get(
    "/customers/{id}/users",
    operation_id="listCustomerUsers",
    summary="List customer users",
    response_model=CustomerUserPage,
)
@raises(CustomerNotFound)
async def list_customer_users(
    pages: UserPages, id: CustomerId, connection: ReadConnection
) -> JsonPage:
    """Get a paginated list of users from a customer"""
    return await service.list_users(connection, pages, id)


@router.post(
    "/customers/{id}/users",
    operation_id="createCustomerUser",
    summary="Create a customer user",
    status_code=201,
)
@raises(CustomerNotFound, CustomerArchived, ValidationFailed)
async def create_customer_user(
    principal: CustomersWrite,
    id: CustomerId,
    claim: IdempotentCreate,
    body: CreateBody,
    connection: WriteConnection,
) -> CustomerUser:
    """Create a new customer user with the provided information"""
    user = await service.create_user(connection, principal.account_id, id, body)
    await remember(claim, connection, 201, user)
    return user
