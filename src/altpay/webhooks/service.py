"""The rules of webhook subscriptions: subscribe, list, delete. No HTTP, no commit."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from altpay.core.db import SqlConnection
from altpay.core.errors import ValidationFailed
from altpay.core.ids import is_well_formed, new_id
from altpay.core.pagination import Pages
from altpay.core.timestamps import format_timestamp, utc_now
from altpay.webhooks import repository
from altpay.webhooks.endpoints import RefusedEndpoint, check_endpoint
from altpay.webhooks.errors import DuplicateSubscription, SubscriptionNotFound
from altpay.webhooks.repository import SubscriptionFilters
from altpay.webhooks.schemas import (
    CreatedWebhookSubscription,
    CreateWebhookInput,
    WebhookSubscription,
    WebhookSubscriptionPage,
)

SUBSCRIPTIONS_LIST = "webhooks"
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
) -> WebhookSubscriptionPage:
    listing, values = repository.subscription_listing(pages.account_id, filters)
    return await pages.read(
        connection, listing, values, reply=subscription_reply, envelope=WebhookSubscriptionPage
    )


async def unsubscribe(
    connection: SqlConnection, account_id: str, subscription_id: str
) -> WebhookSubscription:
    """Deactivates the subscription: nothing more is delivered to it. Idempotent."""
    row = await _find(connection, account_id, subscription_id)
    if row.is_active:
        await repository.update_subscription(
            connection, subscription_id, {"is_active": False, "updated_at": utc_now()}
        )
        row = await _find(connection, account_id, subscription_id)
    return subscription_reply(row)
