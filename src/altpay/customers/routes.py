"""HTTP for customers: parse, call the service, return the schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from altpay.auth.dependencies import CustomersRead, CustomersWrite
from altpay.core.errors import InvalidParameter, ValidationFailed, raises
from altpay.core.http.body import json_body
from altpay.core.http.connections import ReadConnection, WriteConnection
from altpay.core.http.params import CreatedAtEnd, CreatedAtStart, CustomerId, created_range
from altpay.core.pagination import JsonPage, Pages, pages_of
from altpay.core.text import reject_unstorable
from altpay.customers import service
from altpay.customers.errors import (
    CustomerAlreadyArchived,
    CustomerArchived,
    CustomerNotArchived,
    CustomerNotFound,
)
from altpay.customers.repository import CustomerFilters
from altpay.customers.schemas import (
    CreateCustomerInput,
    CustomerPage,
    CustomerReply,
    PatchCustomerRequest,
)
from altpay.idempotency.dependencies import IdempotentAction, IdempotentCreate, remember

router = APIRouter(tags=["Customers"])

CreateBody = Annotated[CreateCustomerInput, Depends(json_body(CreateCustomerInput))]
PatchBody = Annotated[PatchCustomerRequest, Depends(json_body(PatchCustomerRequest))]
CustomerPages = Annotated[Pages, pages_of(service.CUSTOMERS_LIST, CustomersRead)]


# async, though it never waits: FastAPI runs a plain ``def`` dependency on a worker
# thread, a thread hop per request (docs/performance.md).
@raises(InvalidParameter)
async def customer_filters(
    created_at_start: CreatedAtStart = None,
    created_at_end: CreatedAtEnd = None,
    company_name: Annotated[
        str | None, Query(description="Filter by customer name", max_length=255)
    ] = None,
    include_archived: Annotated[
        bool, Query(description="Extension: also list archived customers.")
    ] = False,
) -> CustomerFilters:
    start, end = created_range(created_at_start, created_at_end)
    if company_name:
        try:
            reject_unstorable(company_name)
        except ValueError as error:
            raise InvalidParameter(validation_errors={"company_name": str(error)}) from error
    return CustomerFilters(start, end, company_name or None, include_archived)


Filters = Annotated[CustomerFilters, Depends(customer_filters)]


@router.get(
    "/customers",
    operation_id="listCustomers",
    summary="List customers",
    response_model=CustomerPage,
)
async def list_customers(
    pages: CustomerPages, filters: Filters, connection: ReadConnection
) -> JsonPage:
    """Get a paginated list of customers with optional filtering"""
    return await service.list_customers(connection, pages, filters)


@router.post(
    "/customers", operation_id="createCustomer", summary="Create a customer", status_code=201
)
@raises(ValidationFailed)
async def create_customer(
    principal: CustomersWrite,
    claim: IdempotentCreate,
    body: CreateBody,
    response: Response,
    connection: WriteConnection,
) -> CustomerReply:
    """Create a new customer with the provided information"""
    customer = await service.create_customer(connection, principal.account_id, body)
    location = f"/customers/{customer.id}"
    response.headers["Location"] = location
    await remember(claim, connection, 201, customer, location)
    return customer


@router.get("/customers/{id}", operation_id="getCustomer", summary="Get a customer")
@raises(CustomerNotFound)
async def get_customer(
    principal: CustomersRead, id: CustomerId, connection: ReadConnection
) -> CustomerReply:
    """Get customer details by ID"""
    return await service.get_customer(connection, principal.account_id, id)


@router.delete("/customers/{id}", operation_id="archiveCustomer", summary="Archive a customer")
@raises(CustomerNotFound, CustomerAlreadyArchived)
async def archive_customer(
    principal: CustomersWrite, id: CustomerId, connection: WriteConnection
) -> CustomerReply:
    """Archive a customer"""
    return await service.archive_customer(connection, principal.account_id, id)


@router.patch("/customers/{id}", operation_id="updateCustomer", summary="Patch customer")
@raises(CustomerNotFound, CustomerArchived, ValidationFailed)
async def update_customer(
    principal: CustomersWrite, id: CustomerId, body: PatchBody, connection: WriteConnection
) -> CustomerReply:
    """Patch customer information (company, legal name, EIN, street address, sub-premise, city, state, postal code, country)"""  # noqa: E501
    return await service.patch_customer(connection, principal.account_id, id, body)


@router.post(
    "/customers/{id}/restore", operation_id="restoreCustomer", summary="Restore a customer"
)
@raises(CustomerNotFound, CustomerNotArchived)
async def restore_customer(
    principal: CustomersWrite, id: CustomerId, claim: IdempotentAction, connection: WriteConnection
) -> CustomerReply:
    """Restore a customer"""
    customer = await service.restore_customer(connection, principal.account_id, id)
    await remember(claim, connection, 200, customer)
    return customer
