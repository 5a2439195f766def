"""The API's objects as typed, immutable values, with the API's own field names.

A response field this version does not know is kept in ``extra`` (and a value of a field
it knows, an enum's included, is kept as sent): a newer server never breaks an older client.
A field the server leaves out takes its "no value" default, ``""``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Generic, Self, TypeVar


@dataclass(frozen=True, kw_only=True)
class Model:
    """Base of every response object: the known fields, plus ``extra`` for the rest."""

    extra: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        known = {item.name for item in fields(cls)} - {"extra"}
        values = {key: value for key, value in data.items() if key in known}
        extra = {key: value for key, value in data.items() if key not in known}
        return cls(**values, extra=extra)


@dataclass(frozen=True, kw_only=True)
class Customer(Model):
    id: str
    name: str = ""
    email: str = ""
    legal_name: str = ""
    ein: str = ""
    street_address: str = ""
    sub_premise: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    external_id: str = ""
    customer_integration_id: str = ""
    default_payment_method_id: str = ""
    created_at: str = ""
    archived_at: str = ""  # altpay's extension: the archive time, or "" while active


@dataclass(frozen=True, kw_only=True)
class CustomerUser(Model):
    id: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""
    phone: str = ""
    created_at: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentMethod(Model):
    id: str
    type: str = ""  # "card" or "ach" today; a newer server's other types are kept as sent
    brand: str = ""
    last4: str = ""
    exp_month: str = ""
    exp_year: str = ""
    default: bool = False
    created_at: str = ""
    custom_name: str = ""
    funding: str = ""  # "credit" / "debit" for cards, "" for banks
    country: str = ""  # "US" / "CA" for banks, "" for cards


@dataclass(frozen=True, kw_only=True)
class ChangeDefaultResponse(Model):
    response: str = ""


T = TypeVar("T", bound=Model)


@dataclass(frozen=True, kw_only=True)
class Page(Generic[T]):
    """One page of a list, newest first, with the cursors of its first and last item."""

    data: list[T]
    start_cursor: str = ""
    end_cursor: str = ""
    has_next_page: bool = False
    has_previous_page: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], item: type[T]) -> Page[T]:
        known = {"data", "start_cursor", "end_cursor", "has_next_page", "has_previous_page"}
        return cls(
            data=[item.from_json(entry) for entry in data.get("data") or []],
            start_cursor=str(data.get("start_cursor") or ""),
            end_cursor=str(data.get("end_cursor") or ""),
            has_next_page=bool(data.get("has_next_page")),
            has_previous_page=bool(data.get("has_previous_page")),
            extra={key: value for key, value in data.items() if key not in known},
        )
