"""Fixtures out of an account and into one, through the domains' own services. No commit.

An import is all or nothing: the caller runs it in one transaction, and a file that breaks a
rule is refused (``InvalidFixtures``) before anything is written. Every id of the file is
kept when no row has it yet, else its record gets a new one (minted at the record's own
created_at, so ids stay time-ordered) and whatever referred to it follows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from altpay.auth import repository as auth_repository
from altpay.auth.errors import UnknownAccount
from altpay.core.db import SqlConnection
from altpay.core.ids import IdPrefix, new_id
from altpay.customers import repository as customer_repository
from altpay.customers import service as customer_service
from altpay.payment_methods import service as payment_method_service
from altpay.payment_methods.schemas import Funding, MethodType
from altpay.sandbox_fixtures import repository
from altpay.sandbox_fixtures.errors import InvalidFixtures
from altpay.sandbox_fixtures.schemas import (
    FixtureCustomer,
    FixtureFile,
    FixturePaymentMethod,
    FixtureUser,
    ImportReport,
    new_file,
)
from altpay.users import service as user_service

_ERRORS_SHOWN = 5


def read_fixtures(text: str) -> FixtureFile:
    """The file's fixtures, or InvalidFixtures naming the first problems by their place."""
    try:
        return FixtureFile.model_validate_json(text)
    except ValidationError as error:
        problems = [
            f"{_place(item['loc'])}: {item['msg'].removeprefix('Value error, ')}"
            for item in error.errors(include_url=False)
        ]
        more = len(problems) - _ERRORS_SHOWN
        shown = "; ".join(problems[:_ERRORS_SHOWN]) + (f"; and {more} more" if more > 0 else "")
        raise InvalidFixtures(f"not a valid fixture file: {shown}") from error


def _place(location: tuple[int | str, ...]) -> str:
    """``customers[2].users[0].email``; the file itself when the problem is its whole."""
    place = ""
    for part in location:
        place += f"[{part}]" if isinstance(part, int) else f".{part}" if place else part
    return place or "file"


async def _require_account(connection: SqlConnection, account_id: str) -> None:
    if await auth_repository.get_account(connection, account_id) is None:
        raise UnknownAccount(f"No account {account_id}.")


# --- export -----------------------------------------------------------------------------------


def _user(row: Any) -> FixtureUser:
    return FixtureUser.model_construct(
        id=row.id,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        created_at=row.created_at,
    )


def _method(row: Any) -> FixturePaymentMethod:
    is_card = row.type == MethodType.card.value
    return FixturePaymentMethod.model_construct(
        id=row.id,
        type=MethodType(row.type),
        brand=row.brand,
        last4=row.last4,
        exp_month=row.exp_month,
        exp_year=row.exp_year,
        funding=Funding(row.funding) if is_card else None,
        country=None if is_card else row.country,
        custom_name=row.custom_name,
        created_at=row.created_at,
    )


async def export_fixtures(connection: SqlConnection, account_id: str) -> FixtureFile:
    """Every customer of the account (archived ones too), oldest first, and all of theirs."""
    await _require_account(connection, account_id)
    users: defaultdict[str, list[FixtureUser]] = defaultdict(list)
    for row in await repository.users_of(connection, account_id):
        users[row.customer_id].append(_user(row))
    methods: defaultdict[str, list[FixturePaymentMethod]] = defaultdict(list)
    for row in await repository.payment_methods_of(connection, account_id):
        methods[row.customer_id].append(_method(row))
    customers = [
        FixtureCustomer.model_construct(
            id=row.id,
            name=row.name,
            legal_name=row.legal_name,
            email=row.email,
            ein=row.ein,
            external_id=row.external_id or "",
            street_address=row.street_address,
            sub_premise=row.sub_premise,
            city=row.city,
            state=row.state,
            postal_code=row.postal_code,
            country=row.country,
            created_at=row.created_at,
            archived_at=row.archived_at,
            default_payment_method_id=row.default_payment_method_id,
            users=users[row.id],
            payment_methods=methods[row.id],
        )
        for row in await repository.customers_of(connection, account_id)
    ]
    return new_file(customers)


# --- import -----------------------------------------------------------------------------------


class _Ids:
    """The id each record of the file is stored under, and the ones that had to change."""

    def __init__(self, taken: set[str]) -> None:
        self._taken = taken
        self.remapped: dict[str, str] = {}

    def place(self, prefix: IdPrefix, recorded: str, created_at: datetime) -> str:
        if recorded not in self._taken:
            return recorded
        given = self.remapped[recorded] = new_id(prefix, created_at)
        return given


async def import_fixtures(
    connection: SqlConnection, account_id: str, fixtures: FixtureFile
) -> ImportReport:
    """Creates the file's customers in the account, each as recorded (its times, users,
    payment methods, default and archived state), by the services the API uses."""
    await _require_account(connection, account_id)
    ids = _Ids(await repository.ids_in_use(connection, fixtures.recorded_ids()))
    cleared: dict[str, str] = {}
    for customer in fixtures.customers:
        customer_id = ids.place("cus", customer.id, customer.created_at)
        external_id = customer.external_id
        if external_id and await customer_repository.external_id_taken(
            connection, account_id, external_id
        ):
            # Unique per account: a second copy of a customer is not that record of the
            # integrator's, so it goes without the reference rather than failing the file.
            cleared[customer_id] = external_id
            external_id = ""
        await customer_service.create_customer(
            connection,
            account_id,
            customer.as_input(external_id=external_id),
            created_at=customer.created_at,
            customer_id=customer_id,
        )
        await _import_belongings(connection, account_id, customer_id, customer, ids)
    return ImportReport(
        account_id=account_id,
        customers=len(fixtures.customers),
        users=sum(len(customer.users) for customer in fixtures.customers),
        payment_methods=sum(len(customer.payment_methods) for customer in fixtures.customers),
        remapped_ids=ids.remapped,
        cleared_external_ids=cleared,
    )


async def _import_belongings(
    connection: SqlConnection,
    account_id: str,
    customer_id: str,
    customer: FixtureCustomer,
    ids: _Ids,
) -> None:
    """The customer's users and payment methods, its default, then its archived state (an
    archived customer can be given neither)."""
    for user in customer.users:
        await user_service.create_user(
            connection,
            account_id,
            customer_id,
            user.as_input(),
            user_id=ids.place("usr", user.id, user.created_at),
            created_at=user.created_at,
        )
    method_ids: dict[str, str] = {}
    for method in customer.payment_methods:
        method_ids[method.id] = ids.place("pm", method.id, method.created_at)
        await payment_method_service.add_recorded_method(
            connection,
            account_id,
            customer_id,
            method,
            method_id=method_ids[method.id],
            created_at=method.created_at,
        )
    recorded_default = customer.default_payment_method_id
    default = method_ids[recorded_default] if recorded_default else None
    await customer_service.set_default_payment_method(connection, account_id, customer_id, default)
    if customer.archived_at is not None:
        await customer_service.archive_customer(
            connection, account_id, customer_id, archived_at=customer.archived_at
        )
