"""The request log: each tenant's last requests, as its code sent them (secrets redacted)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from altpay.core.models import ID_LENGTH, Record

MAX_PATH_LENGTH = 2048
# Requests kept per account: older ones are deleted as new ones are written.
KEPT_PER_ACCOUNT = 1000


class LoggedRequest(Record):
    __tablename__ = "sandbox_requests"
    __table_args__ = (
        Index("ix_sandbox_requests_account_created", "account_id", "created_at", "id"),
    )

    account_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("accounts.id"))
    request_id: Mapped[str] = mapped_column(String(128))
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(MAX_PATH_LENGTH))
    query: Mapped[str] = mapped_column(Text())
    status: Mapped[int] = mapped_column(Integer())
    duration_us: Mapped[int] = mapped_column(Integer())
    request_body: Mapped[str | None] = mapped_column(Text(), nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text(), nullable=True)


sandbox_requests = cast(Table, LoggedRequest.__table__)
