"""Queries for idempotency keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from altpay.core.db import SqlConnection, UniqueViolation
from altpay.idempotency.errors import KeyTaken
from altpay.idempotency.models import idempotency_keys as keys


def _this(account_id: str, key: str) -> Any:
    return (keys.c.account_id == account_id) & (keys.c.key == key)


async def claim(
    connection: SqlConnection, account_id: str, key: str, fingerprint: str, at: datetime
) -> None:
    values = {"account_id": account_id, "key": key, "fingerprint": fingerprint, "created_at": at}
    try:
        await connection.execute(insert(keys).values(values))
    except UniqueViolation as error:
        if error.violates(keys.primary_key):
            raise KeyTaken from error
        raise


async def find(connection: SqlConnection, account_id: str, key: str) -> Row[Any] | None:
    return (await connection.execute(select(keys).where(_this(account_id, key)))).first()


async def take_over(
    connection: SqlConnection,
    account_id: str,
    key: str,
    fingerprint: str,
    at: datetime,
    abandoned_before: datetime,
) -> bool:
    """Claims a key whose first request was abandoned (still running after a crash)."""
    query = (
        update(keys)
        .where(
            _this(account_id, key),
            keys.c.response_status.is_(None),
            keys.c.created_at < abandoned_before,
        )
        .values(fingerprint=fingerprint, created_at=at)
    )
    return (await connection.execute(query)).rowcount > 0


async def store_response(
    connection: SqlConnection,
    account_id: str,
    key: str,
    status: int,
    body: str,
    location: str | None,
) -> None:
    await connection.execute(
        update(keys)
        .where(_this(account_id, key))
        .values(response_status=status, response_body=body, response_location=location)
    )


async def release(connection: SqlConnection, account_id: str, key: str) -> None:
    await connection.execute(
        delete(keys).where(_this(account_id, key), keys.c.response_status.is_(None))
    )


async def prune(connection: SqlConnection, expired_before: datetime) -> None:
    await connection.execute(delete(keys).where(keys.c.created_at < expired_before))
