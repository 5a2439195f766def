"""Payment methods out, and the operator's input for attaching one."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from altpay.core.text import reject_unstorable
from altpay.core.timestamps import utc_now

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

    # One validator a field, in this order (each sees the fields before it that passed), so
    # that every problem of an input is reported at once, each under its field's name.
    type: MethodType
    brand: Annotated[str, Field(min_length=1, max_length=100), AfterValidator(reject_unstorable)]
    last4: str
    exp_month: str = ""
    exp_year: str = ""
    default: bool = False

    @field_validator("last4")
    @classmethod
    def _four_digits(cls, value: str) -> str:
        if _LAST4.fullmatch(value) is None:
            raise ValueError("must be four digits")
        return value

    @field_validator("exp_month")
    @classmethod
    def _month(cls, value: str, info: ValidationInfo) -> str:
        if _is_card(info) and _MONTH.fullmatch(value) is None:
            raise ValueError("must be 01-12 for a card")
        return _no_expiry_unless_card(value, info)

    @field_validator("exp_year")
    @classmethod
    def _year(cls, value: str, info: ValidationInfo) -> str:
        if not _is_card(info):
            return _no_expiry_unless_card(value, info)
        if _YEAR.fullmatch(value) is None:
            raise ValueError("must be four digits for a card")
        month = info.data.get("exp_month")
        today = utc_now()
        # A card is valid through the last day of its expiry month.
        if month is not None and (int(value), int(month)) < (today.year, today.month):
            raise ValueError(f"the card expired in {month}/{value}")
        return value


def _is_card(info: ValidationInfo) -> bool:
    return info.data.get("type") is MethodType.card


def _no_expiry_unless_card(value: str, info: ValidationInfo) -> str:
    if value and info.data.get("type") is MethodType.ach:
        raise ValueError("an ACH account has no expiry date")
    return value
