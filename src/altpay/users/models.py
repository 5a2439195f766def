"""The users of a customer."""

from __future__ import annotations

from typing import cast

from sqlalchemy import ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from altpay.core.models import ID_LENGTH, Record

NAME_LENGTH = 100
EMAIL_LENGTH = 254


email_per_customer = UniqueConstraint("customer_id", "email_folded")


class CustomerUser(Record):
    __tablename__ = "customer_users"
    __table_args__ = (
        Index("ix_customer_users_customer_created", "customer_id", "created_at", "id"),
        email_per_customer,
    )

    customer_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("customers.id"))
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    email_folded: Mapped[str] = mapped_column(String(4 * EMAIL_LENGTH))
    first_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    last_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    job_title: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")


customer_users = cast(Table, CustomerUser.__table__)
