"""Queries for webhook subscriptions."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, insert, select, update

from altpay.core.db import ReadQuery, SqlConnection, UniqueViolation
from altpay.core.pagination import KeysetList
from altpay.webhooks.errors import DuplicateSubscription
from altpay.webhooks.models import (
    ACTIVE_PER_TOPIC,
    FAILED,
    PENDING,
    webhook_events,
    webhook_subscriptions,
)

_COLUMNS = frozenset(
    f"webhook_subscriptions.{name}" for name in ("account_id", "endpoint_url", "topic")
)


@dataclass(frozen=True, slots=True)
class SubscriptionFilters:
    topic: str | None = None
    is_active: bool | None = None


@dataclass(frozen=True, slots=True)
class EventFilters:
    topic: str | None = None
    status: str | None = None
    created_at_start: datetime | None = None
    created_at_end: datetime | None = None


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


# The outbox's query on every change: built and compiled once.
_ACTIVE_SUBSCRIBERS = ReadQuery(
    select(webhook_subscriptions.c.id, webhook_subscriptions.c.endpoint_url).where(
        webhook_subscriptions.c.account_id == bindparam("account_id"),
        webhook_subscriptions.c.topic == bindparam("topic"),
        webhook_subscriptions.c.is_active.is_(True),
    )
)


async def active_subscribers(
    connection: SqlConnection, account_id: str, topic: str
) -> list[Row[Any]]:
    return list(
        await connection.fetch(_ACTIVE_SUBSCRIBERS, {"account_id": account_id, "topic": topic})
    )


async def insert_events(connection: SqlConnection, rows: list[dict[str, Any]]) -> None:
    await connection.execute(insert(webhook_events).values(rows))


async def cancel_pending(connection: SqlConnection, subscription_id: str, now: datetime) -> None:
    """The subscription's undelivered events: failed, never attempted again."""
    table = webhook_events
    await connection.execute(
        update(table)
        .where(table.c.subscription_id == subscription_id, table.c.status == PENDING)
        .values(status=FAILED, next_attempt_at=None, updated_at=now)
    )


def event_listing(account_id: str, filters: EventFilters) -> tuple[KeysetList, dict[str, Any]]:
    values: dict[str, Any] = {"account_id": account_id}
    for name in ("topic", "status", "created_at_start", "created_at_end"):
        if getattr(filters, name) is not None:
            values[name] = getattr(filters, name)
    return _event_listing(frozenset(values) - {"account_id"}), values


@functools.cache
def _event_listing(filtered: frozenset[str]) -> KeysetList:
    table = webhook_events
    conditions: list[ColumnElement[bool]] = [table.c.account_id == bindparam("account_id")]
    if "topic" in filtered:
        conditions.append(table.c.topic == bindparam("topic"))
    if "status" in filtered:
        conditions.append(table.c.status == bindparam("status"))
    if "created_at_start" in filtered:
        conditions.append(table.c.created_at >= bindparam("created_at_start"))
    if "created_at_end" in filtered:
        conditions.append(table.c.created_at <= bindparam("created_at_end"))
    return KeysetList(
        query=select(table).where(*conditions), created_at=table.c.created_at, id=table.c.id
    )
