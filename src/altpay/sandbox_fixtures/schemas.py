"""The fixture file, version 1: the API's own input schemas, with what a record adds (its id,
its times, its archived state) and what hangs off a customer nested inside it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    model_validator,
)

from altpay.core.ids import IdPrefix, is_well_formed
from altpay.core.pagination import END_OF_TIME
from altpay.core.timestamps import format_timestamp
from altpay.customers.address import normalize_address
from altpay.customers.schemas import CreateCustomerInput
from altpay.payment_methods.schemas import MethodDetails
from altpay.users.schemas import CreateCustomerUserInput

FORMAT = "altpay-fixtures"
VERSION = 1


def _in_utc_before_the_end_of_time(value: datetime) -> datetime:
    # Every list's first page is the page after the end of time (core.pagination): a record
    # of that very instant would be on no page.
    try:
        value = value.astimezone(UTC)
    except OverflowError as error:  # 0001-01-01T00:30:00+01:00 is before the first UTC day
        raise ValueError("is outside the range of dates") from error
    if value >= END_OF_TIME.created_at:
        raise ValueError(f"must be before {format_timestamp(END_OF_TIME.created_at)}")
    return value


Timestamp = Annotated[
    AwareDatetime,
    AfterValidator(_in_utc_before_the_end_of_time),
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
]


def _id_of(prefix: IdPrefix) -> AfterValidator:
    def check(value: str) -> str:
        if not is_well_formed(prefix, value):
            raise ValueError(f"must be an id of the form {prefix}_…")
        return value

    return AfterValidator(check)


def _repeated(values: Iterable[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


class FixtureUser(CreateCustomerUserInput):
    id: Annotated[str, Strict(), _id_of("usr")] = Field(description="User ID (usr_…).")
    created_at: Timestamp = Field(description="RFC 3339 UTC timestamp with microseconds.")

    def as_input(self) -> CreateCustomerUserInput:
        return CreateCustomerUserInput.model_validate(
            self.model_dump(include=set(CreateCustomerUserInput.model_fields))
        )


class FixturePaymentMethod(MethodDetails):
    id: Annotated[str, Strict(), _id_of("pm")] = Field(description="Payment method ID (pm_…).")
    created_at: Timestamp = Field(description="RFC 3339 UTC timestamp with microseconds.")


class FixtureCustomer(CreateCustomerInput):
    id: Annotated[str, Strict(), _id_of("cus")] = Field(description="Customer ID (cus_…).")
    created_at: Timestamp = Field(description="RFC 3339 UTC timestamp with microseconds.")
    archived_at: Timestamp | None = Field(
        default=None, description="When the customer was archived; null when it is active."
    )
    default_payment_method_id: str | None = Field(
        default=None, description="One of payment_methods' ids, or null: none is the default."
    )
    users: list[FixtureUser] = Field(default_factory=list, description="The customer's users.")
    payment_methods: list[FixturePaymentMethod] = Field(
        default_factory=list, description="The customer's payment methods."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # The rules create_customer applies, checked here so that a bad file is refused whole
        # before anything is written, each problem named by its place in the file.
        _, _, problems = normalize_address(self.country, self.state, self.postal_code)
        if problems:
            raise ValueError("; ".join(f"{field}: {text}" for field, text in problems.items()))
        method_ids = {method.id for method in self.payment_methods}
        default = self.default_payment_method_id
        if default is not None and default not in method_ids:
            raise ValueError("default_payment_method_id: is not one of payment_methods")
        emails = _repeated(user.email.casefold() for user in self.users)
        if emails:
            raise ValueError(f"users: the e-mail {emails[0]} is used by two users")
        return self

    def as_input(self, *, external_id: str) -> CreateCustomerInput:
        fields = self.model_dump(include=set(CreateCustomerInput.model_fields))
        return CreateCustomerInput.model_validate({**fields, "external_id": external_id})


class FixtureFile(BaseModel):
    """An account's customers, oldest first, with their users and payment methods."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["altpay-fixtures"] = Field(description="Always altpay-fixtures.")
    version: Literal[1] = Field(description="The format's version: 1.")
    customers: list[FixtureCustomer] = Field(description="The customers, oldest first.")

    def recorded_ids(self) -> list[str]:
        """Every id of the file: customers', users' and payment methods'."""
        ids = []
        for customer in self.customers:
            ids.append(customer.id)
            ids.extend(user.id for user in customer.users)
            ids.extend(method.id for method in customer.payment_methods)
        return ids

    @model_validator(mode="after")
    def _unique(self) -> Self:
        external_ids = [customer.external_id for customer in self.customers if customer.external_id]
        for kind, values in (("id", self.recorded_ids()), ("external_id", external_ids)):
            repeated = _repeated(values)
            if repeated:
                raise ValueError(f"the {kind} {repeated[0]} appears twice")
        return self


class ImportReport(BaseModel):
    account_id: str = Field(description="The account imported into.")
    customers: int = Field(description="Customers created.")
    users: int = Field(description="Users created.")
    payment_methods: int = Field(description="Payment methods created.")
    remapped_ids: dict[str, str] = Field(
        description="Each id of the file already taken, and the new id its record was given "
        "(references to it follow)."
    )
    cleared_external_ids: dict[str, str] = Field(
        description="Each customer (by its new id) whose external_id another customer of the "
        "account already had, and that external_id, which it was not given."
    )


def new_file(customers: list[FixtureCustomer]) -> FixtureFile:
    return FixtureFile(format=FORMAT, version=VERSION, customers=customers)
