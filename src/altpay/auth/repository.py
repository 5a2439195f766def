"""Queries for accounts and API clients."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update

from altpay.auth.models import accounts, api_clients
from altpay.core.db import SqlConnection


async def insert_account(connection: SqlConnection, values: dict[str, Any]) -> None:
    await connection.execute(insert(accounts).values(values))


async def get_account(connection: SqlConnection, account_id: str) -> Row[Any] | None:
    result = await connection.execute(select(accounts).where(accounts.c.id == account_id))
    return result.first()


async def list_accounts(connection: SqlConnection) -> list[Row[Any]]:
    query = select(accounts).order_by(accounts.c.created_at, accounts.c.id)
    return list((await connection.execute(query)).all())


async def any_account(connection: SqlConnection) -> bool:
    return await connection.scalar(select(accounts.c.id).limit(1)) is not None


async def insert_client(connection: SqlConnection, values: dict[str, Any]) -> None:
    await connection.execute(insert(api_clients).values(values))


async def get_client(connection: SqlConnection, client_id: str) -> Row[Any] | None:
    """The client's row, with its account's end as ``account_expires_at`` (a sandbox tenant's)."""
    query = (
        select(api_clients, accounts.c.expires_at.label("account_expires_at"))
        .join(accounts, accounts.c.id == api_clients.c.account_id)
        .where(api_clients.c.id == client_id)
    )
    return (await connection.execute(query)).first()


async def list_clients(connection: SqlConnection, account_id: str) -> list[Row[Any]]:
    query = (
        select(api_clients)
        .where(api_clients.c.account_id == account_id)
        .order_by(api_clients.c.created_at, api_clients.c.id)
    )
    return list((await connection.execute(query)).all())


async def set_client_disabled_at(
    connection: SqlConnection, client_id: str, disabled_at: datetime | None, *, now: datetime
) -> None:
    """Disables the client at ``disabled_at``, or enables it again with None."""
    query = (
        update(api_clients)
        .where(api_clients.c.id == client_id)
        .values(disabled_at=disabled_at, updated_at=now)
    )
    await connection.execute(query)


async def client_is_active(connection: SqlConnection, client_id: str) -> bool:
    query = select(api_clients.c.disabled_at).where(api_clients.c.id == client_id)
    row = (await connection.execute(query)).first()
    return row is not None and row.disabled_at is None
