"""Queries for webhook subscriptions."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, insert, select, update

from altpay.core.db import SqlConnection, UniqueViolation
from altpay.core.pagination import KeysetList
from altpay.webhooks.errors import DuplicateSubscription
from altpay.webhooks.models import ACTIVE_PER_TOPIC, webhook_subscriptions

_COLUMNS = frozenset(
    f"webhook_subscriptions.{name}" for name in ("account_id", "endpoint_url", "topic")
)


@dataclass(frozen=True, slots=True)
class SubscriptionFilters:
    topic: str | None = None
    is_active: bool | None = None


def _is_duplicate(error: UniqueViolation) -> bool:
    if error.constraint is not None:
        return error.constraint == ACTIVE_PER_TOPIC
    return error.columns == _COLUMNS


async def active_exists(
    connection: SqlConnection, account_id: str, endpoint_url: str, topic: str
) -> bool:
    table = webhook_subscriptions
    query = select(table.c.id).where(
        table.c.account_id == account_id,
        table.c.endpoint_url == endpoint_url,
        table.c.topic == topic,
        table.c.is_active.is_(True),
    )
    return await connection.scalar(query.limit(1)) is not None


async def insert_subscription(connection: SqlConnection, values: dict[str, Any]) -> None:
    try:
        await connection.execute(insert(webhook_subscriptions).values(values))
    except UniqueViolation as error:
        if _is_duplicate(error):
            raise DuplicateSubscription from error
        raise


async def find_subscription(
    connection: SqlConnection, account_id: str, subscription_id: str
) -> Row[Any] | None:
    table = webhook_subscriptions
    query = select(table).where(table.c.id == subscription_id, table.c.account_id == account_id)
    return (await connection.execute(query)).first()


async def update_subscription(
    connection: SqlConnection, subscription_id: str, values: dict[str, Any]
) -> None:
    table = webhook_subscriptions
    await connection.execute(update(table).where(table.c.id == subscription_id).values(values))


def subscription_listing(
    account_id: str, filters: SubscriptionFilters
) -> tuple[KeysetList, dict[str, Any]]:
    values: dict[str, Any] = {"account_id": account_id}
    if filters.topic is not None:
        values["topic"] = filters.topic
    if filters.is_active is not None:
        values["is_active"] = filters.is_active
    return _listing(by_topic="topic" in values, by_state="is_active" in values), values


@functools.cache
def _listing(*, by_topic: bool, by_state: bool) -> KeysetList:
    table = webhook_subscriptions
    conditions: list[ColumnElement[bool]] = [table.c.account_id == bindparam("account_id")]
    if by_topic:
        conditions.append(table.c.topic == bindparam("topic"))
    if by_state:
        conditions.append(table.c.is_active == bindparam("is_active"))
    return KeysetList(
        query=select(table).where(*conditions), created_at=table.c.created_at, id=table.c.id
    )
