"""The rules of webhook subscriptions: subscribe, list, delete. No HTTP, no commit."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from altpay.core.db import SqlConnection
from altpay.core.errors import ValidationFailed
from altpay.core.ids import is_well_formed, new_id
from altpay.core.pagination import JsonPage, Pages
from altpay.core.timestamps import format_timestamp, utc_now
from altpay.webhooks import repository
from altpay.webhooks.endpoints import RefusedEndpoint, check_endpoint
from altpay.webhooks.errors import DuplicateSubscription, SubscriptionNotFound
from altpay.webhooks.models import PENDING
from altpay.webhooks.repository import EventFilters, SubscriptionFilters
from altpay.webhooks.schemas import (
    CreatedWebhookSubscription,
    CreateWebhookInput,
    WebhookEvent,
    WebhookSubscription,
)

SUBSCRIPTIONS_LIST = "webhooks"
EVENTS_LIST = "webhook-events"
SECRET_PREFIX = "whsec_"
_DUPLICATE = {"endpoint_url": "is already subscribed to this topic"}


def new_secret() -> str:
    """A secret in the Standard Webhooks form: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def subscription_reply(row: Any) -> WebhookSubscription:
    return WebhookSubscription(
        id=row.id,
        endpoint_url=row.endpoint_url,
        topic=row.topic,
        is_active=row.is_active,
        partner_id=row.account_id,
        secret_last_4_digits=row.secret_key[-4:],
        created_at=format_timestamp(row.created_at),
        updated_at=format_timestamp(row.updated_at),
    )


async def subscribe(
    connection: SqlConnection, account_id: str, data: CreateWebhookInput, *, env: str
) -> CreatedWebhookSubscription:
    try:
        await check_endpoint(data.endpoint_url, env=env)
    except RefusedEndpoint as error:
        raise ValidationFailed(validation_errors={"endpoint_url": str(error)}) from error
    if await repository.active_exists(connection, account_id, data.endpoint_url, data.topic):
        raise ValidationFailed(validation_errors=_DUPLICATE)
    made = data.secret_key is None
    secret = new_secret() if data.secret_key is None else data.secret_key
    now = utc_now()
    subscription_id = new_id("whk", now)
    try:
        await repository.insert_subscription(
            connection,
            {
                "id": subscription_id,
                "account_id": account_id,
                "endpoint_url": data.endpoint_url,
                "topic": data.topic,
                "secret_key": secret,
                "is_active": True,
                "created_at": now,
                "updated_at": now,
            },
        )
    except DuplicateSubscription as error:
        raise ValidationFailed(validation_errors=_DUPLICATE) from error
    row = await _find(connection, account_id, subscription_id)
    reply = subscription_reply(row).model_dump()
    return CreatedWebhookSubscription(**reply, secret_key=secret if made else None)


async def _find(connection: SqlConnection, account_id: str, subscription_id: str) -> Any:
    """The subscription's row, or NotFound: another account's does not exist here."""
    row = None
    if is_well_formed("whk", subscription_id):
        row = await repository.find_subscription(connection, account_id, subscription_id)
    if row is None:
        raise SubscriptionNotFound()
    return row


async def list_subscriptions(
    connection: SqlConnection, pages: Pages, filters: SubscriptionFilters
) -> JsonPage:
    listing, values = repository.subscription_listing(pages.account_id, filters)
    return await pages.read(connection, listing, values, reply=subscription_reply)


async def unsubscribe(
    connection: SqlConnection, account_id: str, subscription_id: str
) -> WebhookSubscription:
    """Deactivates the subscription: nothing more is delivered to it. Idempotent."""
    row = await _find(connection, account_id, subscription_id)
    if row.is_active:
        now = utc_now()
        await repository.update_subscription(
            connection, subscription_id, {"is_active": False, "updated_at": now}
        )
        await repository.cancel_pending(connection, subscription_id, now)
        row = await _find(connection, account_id, subscription_id)
    return subscription_reply(row)


_last_event_at = datetime.min.replace(tzinfo=utc_now().tzinfo)


def _event_time() -> datetime:
    """Now, strictly after the last event's time in this process: the events of one change
    (and of one customer, whose writes queue on its row) keep their order by (created_at, id)."""
    global _last_event_at
    now = utc_now()
    if now <= _last_event_at:
        now = _last_event_at + timedelta(microseconds=1)
    _last_event_at = now
    return now


async def emit(
    connection: SqlConnection, account_id: str, topic: str, customer_id: str, data: BaseModel
) -> None:
    """Writes an event of ``topic`` for each of the account's active subscriptions to it, in
    the caller's transaction (the outbox): it commits with the change, or not at all."""
    subscribers = await repository.active_subscribers(connection, account_id, topic)
    if not subscribers:
        return
    now = _event_time()
    created_at = format_timestamp(now)
    body = data.model_dump(mode="json")
    rows = []
    for subscriber in subscribers:
        event_id = new_id("evt", now)
        payload = {"id": event_id, "topic": topic, "created_at": created_at, "data": body}
        rows.append(
            {
                "id": event_id,
                "account_id": account_id,
                "subscription_id": subscriber.id,
                "topic": topic,
                "customer_id": customer_id,
                "endpoint_url": subscriber.endpoint_url,
                "status": PENDING,
                "attempts": 0,
                "last_attempt_at": None,
                "last_response_status": None,
                "next_attempt_at": now,
                "payload": json.dumps(payload, separators=(",", ":")),
                "created_at": now,
                "updated_at": now,
            }
        )
    await repository.insert_events(connection, rows)


def _optional_time(value: datetime | None) -> str | None:
    return format_timestamp(value) if value is not None else None


def event_reply(row: Any) -> WebhookEvent:
    return WebhookEvent(
        id=row.id,
        subscription_id=row.subscription_id,
        topic=row.topic,
        status=row.status,
        attempts=row.attempts,
        last_attempt_at=_optional_time(row.last_attempt_at),
        last_response_status=row.last_response_status,
        next_attempt_at=_optional_time(row.next_attempt_at),
        created_at=format_timestamp(row.created_at),
        data=json.loads(row.payload)["data"],
    )


async def list_events(connection: SqlConnection, pages: Pages, filters: EventFilters) -> JsonPage:
    listing, values = repository.event_listing(pages.account_id, filters)
    return await pages.read(connection, listing, values, reply=event_reply)
