"""Queries for payment methods."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, insert, select

from altpay.core.db import SqlConnection
from altpay.payment_methods.models import payment_methods


def _for_customer(customer_id: str) -> Any:
    return select(payment_methods).where(payment_methods.c.customer_id == customer_id)


async def list_methods(connection: SqlConnection, customer_id: str) -> list[Row[Any]]:
    query = _for_customer(customer_id).order_by(
        payment_methods.c.created_at.desc(), payment_methods.c.id.desc()
    )
    return list((await connection.execute(query)).all())


async def find_method(
    connection: SqlConnection, customer_id: str, method_id: str
) -> Row[Any] | None:
    query = _for_customer(customer_id).where(payment_methods.c.id == method_id)
    return (await connection.execute(query)).first()


async def insert_method(connection: SqlConnection, values: dict[str, Any]) -> None:
    await connection.execute(insert(payment_methods).values(values))


async def has_methods(connection: SqlConnection, customer_id: str) -> bool:
    query = select(payment_methods.c.id).where(payment_methods.c.customer_id == customer_id)
    return await connection.scalar(query.limit(1)) is not None


async def delete_method(connection: SqlConnection, method_id: str) -> None:
    await connection.execute(delete(payment_methods).where(payment_methods.c.id == method_id))
