"""Queries of the sandbox: an account's data deleted table by table, tenants past their
time, and the request log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Executable, Table, bindparam, delete, insert, select, update

from altpay.auth.models import accounts, api_clients
from altpay.core.db import SqlConnection
from altpay.core.pagination import KeysetList
from altpay.customers.models import customers
from altpay.idempotency.models import idempotency_keys
from altpay.payment_methods.models import payment_methods
from altpay.sandbox.models import KEPT_PER_ACCOUNT, sandbox_requests
from altpay.users.models import customer_users
from altpay.webhooks.models import webhook_events, webhook_subscriptions


def _of_account(table: Table, account_id: str) -> ColumnElement[bool]:
    if "account_id" in table.c:
        return table.c.account_id == account_id
    owned = select(customers.c.id).where(customers.c.account_id == account_id)
    return table.c.customer_id.in_(owned)


async def _delete_of_account(connection: SqlConnection, table: Table, account_id: str) -> int:
    result = await connection.execute(delete(table).where(_of_account(table, account_id)))
    return int(result.rowcount)


# In an order that no foreign key is left pointing at a deleted row: events before their
# subscriptions, users and payment methods before their customers.
_RESET_TABLES = {
    "webhook_events": webhook_events,
    "webhook_subscriptions": webhook_subscriptions,
    "idempotency_keys": idempotency_keys,
    "users": customer_users,
    "payment_methods": payment_methods,
    "customers": customers,
}


async def delete_data(connection: SqlConnection, account_id: str) -> dict[str, int]:
    """Deletes every customer, user, payment method, idempotency key, webhook event and
    subscription of the account; how many of each, by name."""
    # A customer names its default method: unset first, whatever the foreign keys enforce.
    await connection.execute(
        update(customers)
        .where(customers.c.account_id == account_id)
        .values(default_payment_method_id=None)
    )
    return {
        name: await _delete_of_account(connection, table, account_id)
        for name, table in _RESET_TABLES.items()
    }


async def delete_account(connection: SqlConnection, account_id: str) -> None:
    """Deletes the account, its clients and its request log (its data must be gone)."""
    for table in (sandbox_requests, api_clients):
        await _delete_of_account(connection, table, account_id)
    await connection.execute(delete(accounts).where(accounts.c.id == account_id))


async def expired_accounts(connection: SqlConnection, now: datetime) -> list[str]:
    query = select(accounts.c.id).where(accounts.c.expires_at <= now).order_by(accounts.c.id)
    return list((await connection.execute(query)).scalars())


async def existing_accounts(connection: SqlConnection, account_ids: set[str]) -> set[str]:
    query = select(accounts.c.id).where(accounts.c.id.in_(sorted(account_ids)))
    return set((await connection.execute(query)).scalars())


async def insert_requests(connection: SqlConnection, rows: list[dict[str, Any]]) -> None:
    # One statement run per row: compiled once, where a multi-row VALUES is compiled anew
    # for each batch (most of a logged request's cost, docs/performance.md).
    await connection.execute(insert(sandbox_requests), rows)


def _prune_statement() -> Executable:
    table = sandbox_requests
    account = table.c.account_id == bindparam("account_id")
    older = (
        select(table.c.id)
        .where(account)
        .order_by(table.c.created_at.desc(), table.c.id.desc())
        .offset(KEPT_PER_ACCOUNT)
    )
    return delete(table).where(account, table.c.id.in_(older))


# Built once: run after every batch of the log, for each of its accounts.
_PRUNE = _prune_statement()


async def prune_requests(connection: SqlConnection, account_ids: list[str]) -> None:
    """Deletes each account's requests older than its last ``KEPT_PER_ACCOUNT``."""
    await connection.execute(_PRUNE, [{"account_id": account_id} for account_id in account_ids])


REQUEST_LISTING = KeysetList(
    query=select(sandbox_requests).where(sandbox_requests.c.account_id == bindparam("account_id")),
    created_at=sandbox_requests.c.created_at,
    id=sandbox_requests.c.id,
)
