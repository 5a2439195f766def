"""Queries for customer users."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select

from altpay.core.db import SqlConnection, UniqueViolation
from altpay.core.pagination import KeysetList
from altpay.core.replies import reply_items
from altpay.users.errors import DuplicateEmail
from altpay.users.models import customer_users, email_per_customer
from altpay.users.schemas import CustomerUser


async def insert_user(connection: SqlConnection, values: dict[str, Any]) -> None:
    try:
        await connection.execute(insert(customer_users).values(values))
    except UniqueViolation as error:
        if error.violates(email_per_customer):
            raise DuplicateEmail from error
        raise


async def email_taken(connection: SqlConnection, customer_id: str, email_folded: str) -> bool:
    query = select(customer_users.c.id).where(
        customer_users.c.customer_id == customer_id,
        customer_users.c.email_folded == email_folded,
    )
    return await connection.scalar(query.limit(1)) is not None


# A customer's users as their replies show them (core.replies: JSON), in keyset order; bind
# ``customer_id``.
USER_LISTING = KeysetList(
    query=select(*reply_items(customer_users, CustomerUser)).where(
        customer_users.c.customer_id == bindparam("customer_id")
    ),
    created_at=customer_users.c.created_at,
    id=customer_users.c.id,
)
