"""HTTP for webhook subscriptions: parse, call the service, return the schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from altpay.auth.dependencies import WebhooksRead, WebhooksWrite
from altpay.core.errors import InvalidParameter, ValidationFailed, raises
from altpay.core.http.body import json_body
from altpay.core.http.connections import ReadConnection, WriteConnection, runtime_of
from altpay.core.http.params import CreatedAtEnd, CreatedAtStart, created_range
from altpay.core.pagination import JsonPage, Pages, pages_of
from altpay.idempotency.dependencies import IdempotentSubscription, remember
from altpay.webhooks import service
from altpay.webhooks.errors import SubscriptionNotFound
from altpay.webhooks.repository import EventFilters, SubscriptionFilters
from altpay.webhooks.schemas import (
    CreatedWebhookSubscription,
    CreateWebhookInput,
    Status,
    Topic,
    WebhookEventPage,
    WebhookSubscription,
    WebhookSubscriptionPage,
)

router = APIRouter(tags=["Webhooks"])

CreateBody = Annotated[CreateWebhookInput, Depends(json_body(CreateWebhookInput))]
SubscriptionPages = Annotated[Pages, pages_of(service.SUBSCRIPTIONS_LIST, WebhooksRead)]
EventPages = Annotated[Pages, pages_of(service.EVENTS_LIST, WebhooksRead)]
SubscriptionId = Annotated[str, Path(description="Webhook subscription ID")]


async def subscription_filters(
    topic: Annotated[Topic | None, Query(description="Filter by topic")] = None,
    is_active: Annotated[bool | None, Query(description="Filter by state")] = None,
) -> SubscriptionFilters:
    return SubscriptionFilters(topic, is_active)


Filters = Annotated[SubscriptionFilters, Depends(subscription_filters)]


@raises(InvalidParameter)
async def event_filters(
    topic: Annotated[Topic | None, Query(description="Filter by topic")] = None,
    status: Annotated[Status | None, Query(description="Filter by delivery status")] = None,
    created_at_start: CreatedAtStart = None,
    created_at_end: CreatedAtEnd = None,
) -> EventFilters:
    start, end = created_range(created_at_start, created_at_end)
    return EventFilters(topic, status, start, end)


Events = Annotated[EventFilters, Depends(event_filters)]


@router.post(
    "/webhooks",
    operation_id="createWebhookSubscription",
    summary="Create a webhook subscription",
    status_code=201,
    response_model_exclude_none=True,
)
@raises(ValidationFailed)
async def create_webhook_subscription(
    principal: WebhooksWrite,
    claim: IdempotentSubscription,
    body: CreateBody,
    request: Request,
    connection: WriteConnection,
) -> CreatedWebhookSubscription:
    """Subscribe an endpoint URL to a topic"""
    env = runtime_of(request).settings.env
    created = await service.subscribe(connection, principal.account_id, body, env=env)
    # The stored reply is the one sent: without secret_key when the caller gave it.
    stored = WebhookSubscription(**created.model_dump()) if created.secret_key is None else created
    await remember(claim, connection, 201, stored)
    return created


@router.get(
    "/webhooks",
    operation_id="listWebhookSubscriptions",
    summary="List webhook subscriptions",
    response_model=WebhookSubscriptionPage,
)
async def list_webhook_subscriptions(
    pages: SubscriptionPages, filters: Filters, connection: ReadConnection
) -> JsonPage:
    """Get a paginated list of webhook subscriptions"""
    return await service.list_subscriptions(connection, pages, filters)


@router.delete(
    "/webhooks/{subscription_id}",
    operation_id="deleteWebhookSubscription",
    summary="Delete a webhook subscription",
)
@raises(SubscriptionNotFound)
async def delete_webhook_subscription(
    principal: WebhooksWrite, subscription_id: SubscriptionId, connection: WriteConnection
) -> WebhookSubscription:
    """Deactivate a webhook subscription: its deliveries stop"""
    return await service.unsubscribe(connection, principal.account_id, subscription_id)


@router.get(
    "/webhooks/events",
    operation_id="listWebhookEvents",
    summary="List webhook events",
    response_model=WebhookEventPage,
)
async def list_webhook_events(
    pages: EventPages, filters: Events, connection: ReadConnection
) -> JsonPage:
    """Get a paginated list of webhook events: one per delivery to one subscription"""
    return await service.list_events(connection, pages, filters)
