"""Queries for fixtures: an account's rows of every table a fixture holds, and ids in use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, Table, select

from altpay.core.db import SqlConnection
from altpay.customers.models import customers
from altpay.payment_methods.models import payment_methods
from altpay.users.models import customer_users

# Bound parameters per IN list: well under SQLite's limit (32,766) and PostgreSQL's (65,535).
_IDS_PER_QUERY = 500


async def customers_of(connection: SqlConnection, account_id: str) -> list[Row[Any]]:
    query = (
        select(customers)
        .where(customers.c.account_id == account_id)
        .order_by(customers.c.created_at, customers.c.id)
    )
    return list((await connection.execute(query)).all())


async def _rows_under_customers(
    connection: SqlConnection, table: Table, account_id: str
) -> list[Row[Any]]:
    query = (
        select(table)
        .join(customers, customers.c.id == table.c.customer_id)
        .where(customers.c.account_id == account_id)
        .order_by(table.c.created_at, table.c.id)
    )
    return list((await connection.execute(query)).all())


async def users_of(connection: SqlConnection, account_id: str) -> list[Row[Any]]:
    return await _rows_under_customers(connection, customer_users, account_id)


async def payment_methods_of(connection: SqlConnection, account_id: str) -> list[Row[Any]]:
    return await _rows_under_customers(connection, payment_methods, account_id)


_TABLE_OF_PREFIX = {"cus": customers, "usr": customer_users, "pm": payment_methods}


async def ids_in_use(connection: SqlConnection, ids: Iterable[str]) -> set[str]:
    """Those of ``ids`` (cus_, usr_ or pm_) that a row of any account already has."""
    by_table: dict[str, list[str]] = {}
    for value in ids:
        by_table.setdefault(value.partition("_")[0], []).append(value)
    taken: set[str] = set()
    for prefix, values in by_table.items():
        table = _TABLE_OF_PREFIX[prefix]
        for start in range(0, len(values), _IDS_PER_QUERY):
            chunk = values[start : start + _IDS_PER_QUERY]
            result = await connection.execute(select(table.c.id).where(table.c.id.in_(chunk)))
            taken.update(result.scalars())
    return taken
