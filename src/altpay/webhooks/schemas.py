"""Webhook subscriptions in and out, as the vendor names them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints

from altpay.core.pagination import Paginated
from altpay.core.text import bounded_text, reject_unstorable
from altpay.webhooks.models import SECRET_LENGTH, STATUSES, URL_LENGTH
from altpay.webhooks.topics import TOPICS

Topic = Literal[TOPICS]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
EndpointUrl = Annotated[
    str, Strict(), bounded_text(URL_LENGTH, required=True), AfterValidator(reject_unstorable)
]
SECRET_MIN_LENGTH = 16
SecretKey = Annotated[
    str,
    Strict(),
    StringConstraints(min_length=SECRET_MIN_LENGTH, max_length=SECRET_LENGTH),
    AfterValidator(reject_unstorable),
]


class CreateWebhookInput(BaseModel):
    """A new webhook subscription"""

    model_config = ConfigDict(extra="forbid")

    endpoint_url: EndpointUrl = Field(
        description="Where events are posted: https, or http to loopback outside production."
    )
    topic: Topic = Field(description="The topic to subscribe the endpoint to.")
    secret_key: SecretKey | None = Field(
        default=None,
        description="The key deliveries are signed with (16-255 characters); altpay makes "
        "one (whsec_…) when it is absent and returns it once.",
    )


class WebhookSubscription(BaseModel):
    id: str = Field(description="Subscription ID (whk_…).")
    endpoint_url: str = Field(description="Where events are posted.")
    topic: str = Field(description="The subscribed topic.")
    is_active: bool = Field(description="False once deleted: nothing is delivered any more.")
    partner_id: str = Field(description="The account the subscription belongs to.")
    secret_last_4_digits: str = Field(description="The last four characters of the secret.")
    created_at: str = Field(description="RFC 3339 UTC timestamp with microseconds.")
    updated_at: str = Field(description="RFC 3339 UTC timestamp with microseconds.")


class CreatedWebhookSubscription(WebhookSubscription):
    secret_key: str | None = Field(
        default=None,
        description="The secret altpay made, in this response only; absent when one was given.",
    )


class WebhookSubscriptionPage(Paginated[WebhookSubscription]):
    """A page of webhook subscriptions, newest first."""


class WebhookEvent(BaseModel):
    id: str = Field(description="Event ID (evt_…): the receiver's deduplication key.")
    subscription_id: str = Field(description="The subscription it is delivered to.")
    topic: str = Field(description="What happened.")
    status: str = Field(description="pending, delivered, or failed (no attempt left).")
    attempts: int = Field(description="Deliveries attempted so far.")
    last_attempt_at: str | None = Field(description="When the last attempt was made, or null.")
    last_response_status: int | None = Field(
        description="The HTTP status of the last attempt, or null (none, or no response)."
    )
    next_attempt_at: str | None = Field(description="When it is next attempted, or null.")
    created_at: str = Field(description="When the change was committed (RFC 3339 UTC).")
    data: dict[str, Any] = Field(description="The object as the API returned it after the change.")


class WebhookEventPage(Paginated[WebhookEvent]):
    """A page of webhook events, newest first."""
