"""Payment methods out; cards (by a provider's token) and bank accounts in; the operator's input."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    field_validator,
)
from stdnum.us import rtn

from altpay.core.text import OptionalText255, RequiredText255, bounded_text, reject_unstorable
from altpay.core.timestamps import utc_now

_LAST4 = re.compile(r"\d{4}")
_MONTH = re.compile(r"0[1-9]|1[0-2]")
_YEAR = re.compile(r"\d{4}")
BRAND_LENGTH = 100


class MethodType(StrEnum):
    card = "card"
    ach = "ach"


class Funding(StrEnum):
    credit = "credit"
    debit = "debit"


class PaymentMethod(BaseModel):
    id: str = Field(description="Payment method ID (pm_…).")
    type: MethodType
    brand: str = Field(description="Card network (e.g. visa), or the bank's name for ACH.")
    last4: str = Field(description="Last four digits of the card or account number.")
    exp_month: str = Field(description='"01" to "12" for cards; empty for ACH.')
    exp_year: str = Field(description="Four digits for cards; empty for ACH.")
    default: bool = Field(description="Whether this is the customer's default payment method.")
    created_at: str = Field(description="RFC 3339 UTC timestamp with microseconds.")
    custom_name: str = Field(description="Extension: the integrator's name for it, or empty.")
    funding: str = Field(description='Extension: "credit" or "debit" for cards; empty for ACH.')
    country: str = Field(description='Extension: "US" or "CA" for ACH; empty for cards.')


class GetPaymentMethodsReply(BaseModel):
    data: list[PaymentMethod]


class ChangeDefaultResponse(BaseModel):
    response: Literal["default payment method changed"] = "default payment method changed"


# --- a card, by a provider's token ------------------------------------------------------------


class AddCardInput(BaseModel):
    """A card as a card provider's token: never its number."""

    model_config = ConfigDict(extra="forbid")

    provider: RequiredText255 = Field(description='The card provider ("sandbox").')
    card_provider_token: RequiredText255 = Field(
        description="The provider's token for the card (sandbox: tok_visa, tok_mastercard, …)."
    )
    custom_name: OptionalText255 = Field(default="", description="Your name for the card.")


# --- a bank account ---------------------------------------------------------------------------


def _digits(low: int, high: int) -> AfterValidator:
    pattern = re.compile(f"[0-9]{{{low},{high}}}")
    size = f"{low}" if low == high else f"{low} to {high}"

    def check(value: str) -> str:
        if pattern.fullmatch(value) is None:
            raise ValueError(f"must be {size} digits")
        return value

    return AfterValidator(check)


def _aba_checksum(value: str) -> str:
    if not rtn.is_valid(value):
        raise ValueError("is not a valid ABA routing number (its check digit is wrong)")
    return value


Digits = Annotated[str, Strict()]


class UsAccountData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    routing_number: Annotated[Digits, _digits(9, 9), AfterValidator(_aba_checksum)] = Field(
        description="ABA routing number: 9 digits with a valid check digit."
    )
    account_number: Annotated[Digits, _digits(4, 17)] = Field(
        description="4 to 17 digits; only the last four are kept."
    )


class CaAccountData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    institution_code: Annotated[Digits, _digits(3, 3)] = Field(description="3 digits.")
    transit_number: Annotated[Digits, _digits(5, 5)] = Field(description="5 digits.")
    account_number: Annotated[Digits, _digits(7, 12)] = Field(
        description="7 to 12 digits; only the last four are kept."
    )


# Where a body may carry account-number digits (exempt from the card-number guard).
BANK_ACCOUNT_NUMBERS = ("us_account_data.account_number", "ca_account_data.account_number")
_ACCOUNT_DATA = {"US": "us_account_data", "CA": "ca_account_data"}
InstitutionName = Annotated[
    str, Strict(), bounded_text(BRAND_LENGTH), AfterValidator(reject_unstorable)
]


class AddBankInput(BaseModel):
    """A US or Canadian bank account; only the last four digits of its number are kept."""

    model_config = ConfigDict(extra="forbid")

    account_data_type: Literal["US", "CA"] = Field(
        description="US: us_account_data is required; CA: ca_account_data is required."
    )
    us_account_data: UsAccountData | None = Field(default=None, validate_default=True)
    ca_account_data: CaAccountData | None = Field(default=None, validate_default=True)
    subtype: Literal["checking", "savings"]
    institution_name: InstitutionName = Field(
        default="", description="The bank's name; returned as brand."
    )
    receiver_name: OptionalText255 = Field(default="", description="The account holder.")
    custom_name: OptionalText255 = Field(default="", description="Your name for the account.")

    @field_validator("us_account_data", "ca_account_data")
    @classmethod
    def _matches_the_type(cls, value: object, info: ValidationInfo) -> object:
        kind = info.data.get("account_data_type")
        if kind is None:
            return value  # the type itself is invalid, and named
        wanted = _ACCOUNT_DATA[kind] == info.field_name
        if wanted and value is None:
            raise ValueError(f"is required when account_data_type is {kind}")
        if not wanted and value is not None:
            raise ValueError(f"must be absent when account_data_type is {kind}")
        return value

    @property
    def country(self) -> str:
        return self.account_data_type

    @property
    def account_number(self) -> str:
        data = self.us_account_data or self.ca_account_data
        assert data is not None  # the validators require one
        return data.account_number


# --- the operator's input ---------------------------------------------------------------------


class MethodDetails(BaseModel):
    """A payment method as stored: never a full card or account number.

    A card's funding is ``credit`` and an ACH account's country ``US`` unless given. An
    expired card is well-formed: a method recorded earlier (a fixture file) may have expired
    since; only a new one (``NewPaymentMethod``) must not have.
    """

    model_config = ConfigDict(extra="forbid")

    # One validator a field, in this order (each sees the fields before it that passed), so
    # that every problem of an input is reported at once, each under its field's name.
    type: MethodType
    brand: Annotated[
        str, Field(min_length=1, max_length=BRAND_LENGTH), AfterValidator(reject_unstorable)
    ]
    last4: str
    exp_month: str = ""
    exp_year: str = ""
    funding: Funding | None = None
    country: Literal["US", "CA"] | None = None
    custom_name: Annotated[str, Field(max_length=255), AfterValidator(reject_unstorable)] = ""

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
        return value

    @field_validator("funding")
    @classmethod
    def _funding(cls, value: Funding | None, info: ValidationInfo) -> Funding | None:
        if value is not None and info.data.get("type") is MethodType.ach:
            raise ValueError("an ACH account has no funding")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and _is_card(info):
            raise ValueError("a card has no country")
        return value

    def stored(self) -> dict[str, str]:
        """The columns of the method it describes."""
        is_card = self.type is MethodType.card
        return {
            "type": self.type.value,
            "brand": self.brand,
            "last4": self.last4,
            "exp_month": self.exp_month,
            "exp_year": self.exp_year,
            "custom_name": self.custom_name,
            "funding": (self.funding or Funding.credit).value if is_card else "",
            "country": "" if is_card else (self.country or "US"),
        }


class NewPaymentMethod(MethodDetails):
    """What an operator attaches: a card not yet expired; the default if asked (or the first)."""

    default: bool = False

    @field_validator("exp_year")
    @classmethod
    def _not_expired(cls, value: str, info: ValidationInfo) -> str:
        month = info.data.get("exp_month")
        today = utc_now()
        # A card is valid through the last day of its expiry month.
        if value and month and (int(value), int(month)) < (today.year, today.month):
            raise ValueError(f"the card expired in {month}/{value}")
        return value


def _is_card(info: ValidationInfo) -> bool:
    return info.data.get("type") is MethodType.card


def _no_expiry_unless_card(value: str, info: ValidationInfo) -> str:
    if value and info.data.get("type") is MethodType.ach:
        raise ValueError("an ACH account has no expiry date")
    return value
