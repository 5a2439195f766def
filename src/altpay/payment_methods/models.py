"""Payment methods attached to a customer; never a full card or account number."""

from __future__ import annotations

from typing import cast

from sqlalchemy import ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from altpay.core.models import ID_LENGTH, Record


class PaymentMethod(Record):
    __tablename__ = "payment_methods"

    customer_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("customers.id"))
    type: Mapped[str] = mapped_column(String(8))
    brand: Mapped[str] = mapped_column(String(100))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[str] = mapped_column(String(2), default="")
    exp_year: Mapped[str] = mapped_column(String(4), default="")
    custom_name: Mapped[str] = mapped_column(String(255), default="")
    funding: Mapped[str] = mapped_column(String(8), default="")  # cards: credit or debit
    country: Mapped[str] = mapped_column(String(2), default="")  # ACH: US or CA


payment_methods = cast(Table, PaymentMethod.__table__)

Index(
    "ix_payment_methods_customer_created",
    payment_methods.c.customer_id,
    payment_methods.c.created_at,
    payment_methods.c.id,
)
