"""Idempotency keys: one row per (account, key), holding the first request's response."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from altpay.core.models import ID_LENGTH, Base
from altpay.core.timestamps import UTCDateTime

MAX_KEY_LENGTH = 255


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    account_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("accounts.id"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # NULL while the first request is still running.
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    response_location: Mapped[str | None] = mapped_column(String(255), nullable=True)


idempotency_keys = cast(Table, IdempotencyKey.__table__)
