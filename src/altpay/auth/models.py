"""Accounts (tenants) and the API clients that act for them."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from altpay.core.models import ID_LENGTH, Record
from altpay.core.timestamps import UTCDateTime


class Account(Record):
    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(255))
    # A sandbox tenant's end: past it the tenant is deleted with all its data (altpay.sandbox).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)


class ApiClient(Record):
    __tablename__ = "api_clients"

    account_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("accounts.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    # HMAC-SHA-256 of the secret under a per-client random key; the secret itself is never kept.
    secret_key: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(255))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


accounts = cast(Table, Account.__table__)
api_clients = cast(Table, ApiClient.__table__)
