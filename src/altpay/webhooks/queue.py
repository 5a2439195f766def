"""The delivery queue's queries: claim due events, record an attempt, release claims, and on
SQLite the lease that lets one worker at a time deliver.

A claim is a short committed write (the claim's holder and expiry on the event), so no
transaction stays open across the HTTP call; a claim that lapses (its worker was killed) makes
the event due again. ``FOR UPDATE SKIP LOCKED`` keeps two PostgreSQL workers from claiming one
event; SQLite renders no ``FOR UPDATE`` and its single writer serialises the claims anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, tuple_, update

from altpay.core.db import SqlConnection
from altpay.webhooks.models import PENDING, webhook_events, webhook_subscriptions, worker_leases

DELIVERY_LEASE = "webhook-delivery"


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    id: str
    subscription_id: str
    topic: str
    endpoint_url: str
    secret_key: str
    attempts: int
    created_at: datetime
    payload: str


def _due(now: datetime) -> Any:
    """Pending, due, unclaimed (or its claim lapsed), and first in its customer's line to its
    endpoint URL: no earlier event of theirs is still pending (``behaviour.md``: order)."""
    events = webhook_events
    earlier = webhook_events.alias("earlier")
    ahead = exists().where(
        earlier.c.customer_id == events.c.customer_id,
        earlier.c.endpoint_url == events.c.endpoint_url,
        earlier.c.status == PENDING,
        tuple_(earlier.c.created_at, earlier.c.id) < tuple_(events.c.created_at, events.c.id),
    )
    return and_(
        events.c.status == PENDING,
        events.c.next_attempt_at <= now,
        or_(events.c.claimed_until.is_(None), events.c.claimed_until <= now),
        ~ahead,
    )


async def claim(
    connection: SqlConnection, worker: str, now: datetime, until: datetime, limit: int
) -> list[ClaimedEvent]:
    events = webhook_events
    chosen = (
        select(events.c.id)
        .where(_due(now))
        .order_by(events.c.next_attempt_at, events.c.created_at, events.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await connection.execute(
        update(events)
        .where(events.c.id.in_(chosen.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=until)
        .returning(events.c.id)
    )
    ids = [row.id for row in claimed]
    if not ids:
        return []
    subscriptions = webhook_subscriptions
    rows = await connection.execute(
        select(
            events.c.id,
            events.c.subscription_id,
            events.c.topic,
            events.c.endpoint_url,
            subscriptions.c.secret_key,
            events.c.attempts,
            events.c.created_at,
            events.c.payload,
        )
        .join(subscriptions, subscriptions.c.id == events.c.subscription_id)
        .where(events.c.id.in_(ids))
        .order_by(events.c.created_at, events.c.id)
    )
    return [ClaimedEvent(**row._mapping) for row in rows]


async def record_attempt(
    connection: SqlConnection, worker: str, event_id: str, values: dict[str, Any]
) -> bool:
    """The attempt's outcome on the event, if ``worker`` still holds its claim (one whose
    claim lapsed and was taken by another worker records nothing: that one will)."""
    events = webhook_events
    result = await connection.execute(
        update(events)
        .where(events.c.id == event_id, events.c.claimed_by == worker, events.c.status == PENDING)
        .values(attempts=events.c.attempts + 1, claimed_by=None, claimed_until=None, **values)
    )
    return bool(result.rowcount)


async def release(connection: SqlConnection, worker: str) -> None:
    """Gives back every claim of ``worker``: its events are due again for any worker."""
    events = webhook_events
    await connection.execute(
        update(events)
        .where(events.c.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None)
    )


async def pending_count(connection: SqlConnection) -> int:
    events = webhook_events
    query = select(func.count()).select_from(events).where(events.c.status == PENDING)
    count: int = await connection.scalar(query)
    return count


async def hold_lease(
    connection: SqlConnection, name: str, worker: str, now: datetime, until: datetime
) -> bool:
    """Takes or renews the lease ``name`` for ``worker`` unless another holds it unexpired."""
    leases = worker_leases
    row = (await connection.execute(select(leases).where(leases.c.name == name))).first()
    if row is None:
        await connection.execute(insert(leases).values(name=name, holder=worker, expires_at=until))
        return True
    if row.holder != worker and row.expires_at > now:
        return False
    await connection.execute(
        update(leases).where(leases.c.name == name).values(holder=worker, expires_at=until)
    )
    return True


async def drop_lease(connection: SqlConnection, name: str, worker: str) -> None:
    leases = worker_leases
    await connection.execute(delete(leases).where(leases.c.name == name, leases.c.holder == worker))
