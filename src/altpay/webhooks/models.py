"""The webhook subscriptions table: one row per endpoint URL and topic of an account."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Boolean, ForeignKey, Index, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column

from altpay.core.models import ID_LENGTH, Record

URL_LENGTH = 2048
SECRET_LENGTH = 255

ACTIVE_PER_TOPIC = "uq_webhook_subscriptions_active_endpoint_topic"
_ACTIVE = text("is_active")


class WebhookSubscription(Record):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        Index("ix_webhook_subscriptions_account_created", "account_id", "created_at", "id"),
        # One active subscription per (endpoint URL, topic) of an account; a deleted one is
        # kept (its events are listed) and the pair may be subscribed again.
        Index(
            ACTIVE_PER_TOPIC,
            "account_id",
            "endpoint_url",
            "topic",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )

    account_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("accounts.id"))
    endpoint_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    topic: Mapped[str] = mapped_column(String(64))
    # Kept as given: every delivery is signed with it (docs/decisions.md, "Webhooks").
    secret_key: Mapped[str] = mapped_column(String(SECRET_LENGTH))
    is_active: Mapped[bool] = mapped_column(Boolean(), default=True)


webhook_subscriptions = cast(Table, WebhookSubscription.__table__)
