"""Tenants, resets and the request log. No HTTP here, and no commit: the caller's transaction
holds each change whole (a reset deletes everything of the account, or nothing)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from altpay.auth import service as auth_service
from altpay.auth.errors import UnknownAccount
from altpay.auth.repository import get_account
from altpay.auth.tokens import ALL_SCOPES
from altpay.core.db import Database, SqlConnection
from altpay.core.ids import new_id
from altpay.core.pagination import JsonPage, Pages
from altpay.core.timestamps import format_timestamp, utc_now
from altpay.sandbox import repository
from altpay.sandbox.schemas import (
    CreateTenantInput,
    DeletedData,
    RequestRecord,
    ResetReport,
    Tenant,
)

REQUESTS_LIST = "sandbox-requests"


async def create_tenant(connection: SqlConnection, data: CreateTenantInput) -> Tenant:
    """An account and one client with every scope; deleted after ``data.ttl`` if given."""
    now = utc_now()
    expires_at = now + data.ttl if data.ttl is not None else None
    account = await auth_service.create_account(connection, data.name, expires_at=expires_at)
    client = await auth_service.create_client(
        connection, account_id=account.id, name=data.name, scopes=" ".join(ALL_SCOPES)
    )
    return Tenant(
        account_id=account.id,
        name=account.name,
        client_id=client.client_id,
        client_secret=client.client_secret,
        scopes=client.scopes,
        expires_at=format_timestamp(expires_at) if expires_at is not None else None,
    )


async def reset(connection: SqlConnection, account_id: str) -> ResetReport:
    """Deletes the account's customers, users, payment methods, idempotency keys, webhook
    events and subscriptions; its clients and its request log stay."""
    if await get_account(connection, account_id) is None:
        raise UnknownAccount(f"No account {account_id}.")
    deleted = await repository.delete_data(connection, account_id)
    return ResetReport(account_id=account_id, deleted=DeletedData(**deleted))


async def delete_expired_tenants(connection: SqlConnection, now: datetime) -> list[str]:
    """Deletes every tenant whose time to live is over, with all its data; their ids."""
    expired = await repository.expired_accounts(connection, now)
    for account_id in expired:
        await repository.delete_data(connection, account_id)
        await repository.delete_account(connection, account_id)
    return expired


@dataclass(frozen=True, slots=True)
class Exchange:
    """One answered request, as the log keeps it (bodies already redacted and cut)."""

    account_id: str
    request_id: str
    method: str
    path: str
    query: str
    status: int
    duration_us: int
    created_at: datetime  # when the request arrived
    request_body: str | None
    response_body: str | None


def _row(exchange: Exchange) -> dict[str, Any]:
    row_id = new_id("req", exchange.created_at)
    return {**asdict(exchange), "id": row_id, "updated_at": exchange.created_at}


async def log_requests(database: Database, exchanges: list[Exchange]) -> None:
    """Writes the requests to their accounts' logs in one transaction, and forgets what is
    past each account's last 1,000."""
    async with database.transaction() as connection:
        # A tenant deleted since its request was answered (its time over, on any worker)
        # has no log any more; its rows would fail the whole batch.
        accounts = await repository.existing_accounts(
            connection, {exchange.account_id for exchange in exchanges}
        )
        rows = [_row(exchange) for exchange in exchanges if exchange.account_id in accounts]
        if rows:
            await repository.insert_requests(connection, rows)
            await repository.prune_requests(connection, sorted(accounts))


def request_record(row: Any) -> RequestRecord:
    return RequestRecord(
        request_id=row.request_id,
        method=row.method,
        path=row.path,
        query=row.query,
        status=row.status,
        duration_ms=row.duration_us / 1000,
        created_at=format_timestamp(row.created_at),
        request_body=row.request_body,
        response_body=row.response_body,
    )


async def list_requests(connection: SqlConnection, pages: Pages) -> JsonPage:
    return await pages.read(
        connection,
        repository.REQUEST_LISTING,
        {"account_id": pages.account_id},
        reply=request_record,
    )
