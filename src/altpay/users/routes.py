"""HTTP for customer users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from altpay.auth.dependencies import CustomersRead, CustomersWrite
from altpay.core.body import json_body
from altpay.core.pagination import PageRequest
from altpay.core.params import page_request
from altpay.customers.routes import CustomerId
from altpay.deps import Cursors, WriteConnection, reading
from altpay.idempotency.dependencies import IdempotentCreate, remember
from altpay.users import service
from altpay.users.schemas import CreateCustomerUserInput, CustomerUser, CustomerUserPage

router = APIRouter(tags=["Customers"])

CreateBody = Annotated[CreateCustomerUserInput, Depends(json_body(CreateCustomerUserInput))]


@router.get(
    "/customers/{id}/users", operation_id="listCustomerUsers", summary="List customer users"
)
async def list_customer_users(
    principal: CustomersRead,
    id: CustomerId,
    page: Annotated[PageRequest, Depends(page_request)],
    cursors: Cursors,
    request: Request,
) -> CustomerUserPage:
    """Get a paginated list of users from a customer"""
    async with reading(request) as connection:
        return await service.list_users(connection, principal.account_id, id, page, cursors)


@router.post(
    "/customers/{id}/users",
    operation_id="createCustomerUser",
    summary="Create a customer user",
    status_code=201,
)
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
