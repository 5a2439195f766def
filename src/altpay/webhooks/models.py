"""The webhook tables: subscriptions (an endpoint URL per topic of an account) and events."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from altpay.core.models import ID_LENGTH, Base, Record
from altpay.core.timestamps import UTCDateTime

URL_LENGTH = 2048
CLAIM_LENGTH = 64
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


PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATUSES = (PENDING, DELIVERED, FAILED)


class WebhookEvent(Record):
    """One delivery of one change to one subscription: the transactional outbox's row.

    Written in the transaction of the change it reports; ``customer_id`` and
    ``endpoint_url`` (the subscription's, copied) key the per-customer delivery order.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ix_webhook_events_account_created", "account_id", "created_at", "id"),
        Index("ix_webhook_events_due", "status", "next_attempt_at"),
        Index("ix_webhook_events_order", "customer_id", "endpoint_url", "created_at", "id"),
    )

    account_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("accounts.id"))
    subscription_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("webhook_subscriptions.id")
    )
    topic: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    endpoint_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_response_status: Mapped[int | None] = mapped_column(Integer(), nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The delivered body, as JSON text: {"id", "topic", "created_at", "data"}.
    payload: Mapped[str] = mapped_column(Text())
    # A delivery's claim: the worker that holds it, until when. A worker killed mid-delivery
    # leaves its claims to lapse, and the events are delivered again (at least once).
    claimed_by: Mapped[str | None] = mapped_column(String(CLAIM_LENGTH), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


webhook_events = cast(Table, WebhookEvent.__table__)


class WorkerLease(Base):
    """Which worker delivers on SQLite, and until when: one at a time, since SQLite has no
    ``SKIP LOCKED`` for several to share the queue (PostgreSQL's workers need no lease)."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(CLAIM_LENGTH))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


worker_leases = cast(Table, WorkerLease.__table__)
