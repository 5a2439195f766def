"""Payment methods out, and the operator's input for attaching one."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from altpay.core.text import reject_unstorable

_LAST4 = re.compile(r"\d{4}")
_MONTH = re.compile(r"0[1-9]|1[0-2]")
_YEAR = re.compile(r"\d{4}")


class MethodType(StrEnum):
    card = "card"
    ach = "ach"


class PaymentMethod(BaseModel):
    id: str = Field(description="Payment method ID (pm_…).")
    type: MethodType
    brand: str = Field(description="Card network (e.g. visa), or the bank's name for ACH.")
    last4: str = Field(description="Last four digits of the card or account number.")
    exp_month: str = Field(description='"01" to "12" for cards; empty for ACH.')
    exp_year: str = Field(description="Four digits for cards; empty for ACH.")
    default: bool = Field(description="Whether this is the customer's default payment method.")
    created_at: str = Field(description="RFC 3339 UTC timestamp with microseconds.")


class GetPaymentMethodsReply(BaseModel):
    data: list[PaymentMethod]


class NewPaymentMethod(BaseModel):
    """What an operator attaches: never a full card or account number."""

    model_config = ConfigDict(extra="forbid")

    type: MethodType
    brand: str = Field(min_length=1, max_length=100)
    last4: str
    exp_month: str = ""
    exp_year: str = ""
    default: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        reject_unstorable(self.brand)
        if _LAST4.fullmatch(self.last4) is None:
            raise ValueError("last4 must be four digits")
        if self.type is MethodType.card:
            if _MONTH.fullmatch(self.exp_month) is None or _YEAR.fullmatch(self.exp_year) is None:
                raise ValueError("a card needs exp_month 01-12 and a four-digit exp_year")
        elif self.exp_month or self.exp_year:
            raise ValueError("an ACH account has no expiry date")
        return self
