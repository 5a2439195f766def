"""Customers in and out, as the vendor reference names them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from altpay.core.pagination import Paginated
from altpay.core.text import Email, OptionalText255, RequiredText255
from altpay.customers.address import normalize_country, normalize_ein


def _ascii(value: str) -> str:
    # str.upper() maps a few other letters onto ASCII (a dotless i to I, the ligature fi to
    # FI), and a code spelt with them is not a code.
    if not value.isascii():
        raise ValueError("must be an ISO 3166-1 alpha-2 or alpha-3 country code")
    return value


Ein = Annotated[OptionalText255, AfterValidator(normalize_ein)]
Country = Annotated[OptionalText255, AfterValidator(_ascii), AfterValidator(normalize_country)]


class CustomerReply(BaseModel):
    id: str = Field(description="Customer ID (cus_…).")
    name: str = Field(description="Company name.")
    legal_name: str = Field(description="Legal name of the company.")
    email: str = Field(description="Billing e-mail address.")
    ein: str = Field(description="Employer Identification Number, XX-XXXXXXX.")
    external_id: str = Field(description="Your own reference for this customer.")
    street_address: str
    sub_premise: str
    city: str
    state: str
    postal_code: str
    country: str = Field(description="ISO 3166-1 alpha-2 or alpha-3 code.")
    created_at: str = Field(description="RFC 3339 UTC timestamp with microseconds.")
    customer_integration_id: str
    default_payment_method_id: str = Field(description="The default payment method, or empty.")
    archived_at: str = Field(description="When the customer was archived, or empty (extension).")


class CreateCustomerInput(BaseModel):
    """Customer information"""

    model_config = ConfigDict(extra="forbid")

    name: RequiredText255 = Field(description="Company name.")
    email: Email = Field(description="Billing e-mail address.")
    legal_name: OptionalText255 = ""
    ein: Ein = ""
    external_id: OptionalText255 = Field(default="", description="Unique per account.")
    street_address: OptionalText255 = ""
    sub_premise: OptionalText255 = ""
    city: OptionalText255 = ""
    state: OptionalText255 = ""
    postal_code: OptionalText255 = ""
    country: Country = ""


class PatchCustomerRequest(BaseModel):
    """Request body for patching customer information"""

    model_config = ConfigDict(extra="forbid")

    name: RequiredText255 | None = None
    legal_name: OptionalText255 | None = None
    ein: Ein | None = None
    street_address: OptionalText255 | None = None
    sub_premise: OptionalText255 | None = None
    city: OptionalText255 | None = None
    state: OptionalText255 | None = None
    postal_code: OptionalText255 | None = None
    country: Country | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name_cannot_be_cleared(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be cleared")
        return value

    def changes(self) -> dict[str, str]:
        """The fields sent, with ``null`` meaning "clear" (``""``)."""
        return {field: getattr(self, field) or "" for field in self.model_fields_set}


class CustomerPage(Paginated[CustomerReply]):
    """A page of customers, newest first."""
