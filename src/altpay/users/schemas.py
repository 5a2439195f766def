"""Customer users in and out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from altpay.core.pagination import Paginated
from altpay.core.text import Email, RequiredText100


class CustomerUser(BaseModel):
    id: str = Field(description="User ID (usr_…).")
    email: str
    first_name: str
    last_name: str
    job_title: str = Field(description="Always empty: the reference gives no way to set it.")
    phone: str = Field(description="Always empty: the reference gives no way to set it.")
    created_at: str = Field(description="RFC 3339 UTC timestamp with microseconds.")


class CreateCustomerUserInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email = Field(description="Unique among the customer's users, ignoring case.")
    first_name: RequiredText100
    last_name: RequiredText100


class CustomerUserPage(Paginated[CustomerUser]):
    """A page of a customer's users, newest first."""
