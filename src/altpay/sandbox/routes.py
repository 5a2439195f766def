"""HTTP for the sandbox controls: tenants, reset, the request log. Included only while the
sandbox is on, so that in production mode every ``/sandbox`` path is a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from altpay.auth.dependencies import CustomersRead, CustomersWrite
from altpay.core.errors import declared_by, raises
from altpay.core.http.body import json_body
from altpay.core.http.connections import ReadConnection, WriteConnection
from altpay.core.pagination import JsonPage, Pages, pages_of
from altpay.sandbox import service
from altpay.sandbox.dependencies import RequestLog, sandbox_admin
from altpay.sandbox.schemas import CreateTenantInput, RequestRecordPage, ResetReport, Tenant

router = APIRouter(tags=["Sandbox"])

_parse_tenant_input = json_body(CreateTenantInput)


@raises(*declared_by(_parse_tenant_input))
async def tenant_input(request: Request) -> CreateTenantInput:
    """The body, or the defaults when there is none at all (``curl -X POST`` with no data)."""
    no_body = (
        "content-type" not in request.headers
        and request.headers.get("content-length", "0") == "0"
        and "transfer-encoding" not in request.headers
    )
    return CreateTenantInput() if no_body else await _parse_tenant_input(request)


# How long a read of the log waits for this worker's requests still being written.
_CATCH_UP_SECONDS = 2.0
RequestPages = Annotated[Pages, pages_of(service.REQUESTS_LIST, CustomersRead)]


@router.post(
    "/sandbox/tenants",
    operation_id="createSandboxTenant",
    summary="Create a sandbox tenant",
    status_code=201,
    dependencies=[Depends(sandbox_admin)],
)
async def create_sandbox_tenant(
    body: Annotated[CreateTenantInput, Depends(tenant_input)], connection: WriteConnection
) -> Tenant:
    """Create an account and an API client with every scope, for one test run. With a ttl, the tenant is deleted with all its data once it is over. Requires the sandbox admin token (ALTPAY_SANDBOX_ADMIN_TOKEN) as a bearer token; without one configured, loopback callers only."""  # noqa: E501
    return await service.create_tenant(connection, body)


@router.post(
    "/sandbox/reset",
    operation_id="resetSandboxTenant",
    summary="Reset the caller's sandbox data",
)
async def reset_sandbox_tenant(
    principal: CustomersWrite, connection: WriteConnection
) -> ResetReport:
    """Delete every customer, user, payment method, idempotency key, webhook event and subscription of the token's account, in one transaction. Other accounts are untouched; the account, its clients and its request log stay."""  # noqa: E501
    return await service.reset(connection, principal.account_id)


@router.get(
    "/sandbox/requests",
    operation_id="listSandboxRequests",
    summary="List the caller's recent requests",
    response_model=RequestRecordPage,
)
async def list_sandbox_requests(
    pages: RequestPages, writer: RequestLog, connection: ReadConnection
) -> JsonPage:
    """The token's account's last 1,000 requests, newest first: what its code sent and what it got, with secrets, tokens and card-like numbers redacted and bodies cut at 16 KiB. Reading this log is not logged."""  # noqa: E501
    if writer is not None:
        await writer.caught_up(_CATCH_UP_SECONDS)
    return await service.list_requests(connection, pages)
