"""The request bodies, as the keyword arguments of the methods that send them.

A key left out is not sent (in a patch: left unchanged); ``None`` in a patch clears the
field. Names are the API's.
"""

from __future__ import annotations

from typing import Literal, Required, TypedDict


class CustomerCreateParams(TypedDict, total=False):
    name: Required[str]
    email: Required[str]
    legal_name: str
    ein: str
    street_address: str
    sub_premise: str
    city: str
    state: str
    postal_code: str
    country: str
    external_id: str


class CustomerUpdateParams(TypedDict, total=False):
    name: str
    legal_name: str | None
    ein: str | None
    street_address: str | None
    sub_premise: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None


class UserCreateParams(TypedDict):
    email: str
    first_name: str
    last_name: str


class CardParams(TypedDict, total=False):
    provider: Required[str]  # "sandbox" takes test tokens such as "tok_visa"
    card_provider_token: Required[str]
    custom_name: str


class UsAccountData(TypedDict):
    routing_number: str
    account_number: str


class CaAccountData(TypedDict):
    institution_code: str
    transit_number: str
    account_number: str


class BankAccountParams(TypedDict, total=False):
    account_data_type: Required[Literal["US", "CA"]]
    subtype: Required[Literal["checking", "savings"]]
    us_account_data: UsAccountData
    ca_account_data: CaAccountData
    institution_name: str
    receiver_name: str
    custom_name: str
