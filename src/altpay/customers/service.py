"""The rules of customers: create, read, list, patch, archive, restore. No HTTP, no commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from altpay.core.db import SqlConnection
from altpay.core.errors import ValidationFailed
from altpay.core.ids import is_well_formed, new_id
from altpay.core.pagination import JsonPage, Pages
from altpay.core.timestamps import utc_now
from altpay.customers import repository
from altpay.customers.address import normalize_address
from altpay.customers.errors import (
    CustomerAlreadyArchived,
    CustomerArchived,
    CustomerNotArchived,
    CustomerNotFound,
    DuplicateExternalId,
)
from altpay.customers.repository import CustomerFilters
from altpay.customers.schemas import (
    CreateCustomerInput,
    CustomerReply,
    PatchCustomerRequest,
)
from altpay.webhooks import topics
from altpay.webhooks.service import emit

CUSTOMERS_LIST = "customers"
_ADDRESS_RULE_FIELDS = {"country", "state", "postal_code"}
_EXTERNAL_ID_TAKEN = {"external_id": "is already used by another customer of this account"}


def _checked_address(values: dict[str, Any]) -> dict[str, Any]:
    state, postal_code, problems = normalize_address(
        values["country"], values["state"], values["postal_code"]
    )
    if problems:
        raise ValidationFailed(validation_errors=problems)
    return {**values, "state": state, "postal_code": postal_code}


async def find_customer(
    connection: SqlConnection, account_id: str, customer_id: str, *, for_update: bool = False
) -> Any:
    """The customer's row, or NotFound: another account's customer does not exist here."""
    row = None
    if is_well_formed("cus", customer_id):
        row = await repository.find_customer(
            connection, account_id, customer_id, for_update=for_update
        )
    if row is None:
        raise CustomerNotFound()
    return row


async def create_customer(
    connection: SqlConnection,
    account_id: str,
    data: CreateCustomerInput,
    *,
    created_at: datetime | None = None,
    customer_id: str | None = None,
) -> CustomerReply:
    """Creates a customer now, or at ``created_at`` in the past, under ``customer_id`` when
    given (sandbox data: ``altpay seed``, fixtures; the caller knows that id is free)."""
    values = _checked_address(data.model_dump())
    external_id = values["external_id"] or None
    if external_id and await repository.external_id_taken(connection, account_id, external_id):
        raise ValidationFailed(validation_errors=_EXTERNAL_ID_TAKEN)
    now = created_at or utc_now()
    customer_id = customer_id or new_id("cus", now)
    try:
        await repository.insert_customer(
            connection,
            {
                **values,
                "id": customer_id,
                "account_id": account_id,
                "external_id": external_id,
                "name_folded": values["name"].casefold(),
                "created_at": now,
                "updated_at": now,
            },
        )
    except DuplicateExternalId as error:
        raise ValidationFailed(validation_errors=_EXTERNAL_ID_TAKEN) from error
    return await _reported(connection, account_id, customer_id, topics.CUSTOMER_CREATED)


async def _reported(
    connection: SqlConnection, account_id: str, customer_id: str, topic: str
) -> CustomerReply:
    """The customer as it is now, its change reported under ``topic`` (the outbox)."""
    customer = await get_customer(connection, account_id, customer_id)
    await emit(connection, account_id, topic, customer_id, customer)
    return customer


async def get_customer(
    connection: SqlConnection, account_id: str, customer_id: str
) -> CustomerReply:
    row = None
    if is_well_formed("cus", customer_id):
        row = await repository.find_reply(connection, account_id, customer_id)
    if row is None:
        raise CustomerNotFound()
    return CustomerReply(**row._asdict())


async def list_customers(
    connection: SqlConnection, pages: Pages, filters: CustomerFilters
) -> JsonPage:
    listing, values = await repository.customer_listing(connection, pages.account_id, filters)
    return await pages.read(connection, listing, values)


async def patch_customer(
    connection: SqlConnection, account_id: str, customer_id: str, patch: PatchCustomerRequest
) -> CustomerReply:
    row = await find_customer(connection, account_id, customer_id, for_update=True)
    if row.archived_at is not None:
        raise CustomerArchived("An archived customer cannot be changed; restore it first.")
    changes = patch.changes()
    merged = _checked_address(
        {"country": row.country, "state": row.state, "postal_code": row.postal_code, **changes}
    )
    if changes.keys() & _ADDRESS_RULE_FIELDS:
        # The stored state and postal code follow the merged result: patching the country to
        # US makes a stored "ny" (kept as sent under another country) "NY", as create would.
        changes.update(state=merged["state"], postal_code=merged["postal_code"])
    if changes:
        if "name" in changes:
            changes["name_folded"] = changes["name"].casefold()
        await repository.update_customer(
            connection, customer_id, {**changes, "updated_at": utc_now()}
        )
        return await _reported(connection, account_id, customer_id, topics.CUSTOMER_UPDATED)
    return await get_customer(connection, account_id, customer_id)


async def archive_customer(
    connection: SqlConnection,
    account_id: str,
    customer_id: str,
    *,
    archived_at: datetime | None = None,
) -> CustomerReply:
    """Archives the customer now, or as of ``archived_at`` (a fixture's customer)."""
    row = await find_customer(connection, account_id, customer_id, for_update=True)
    if row.archived_at is not None:
        raise CustomerAlreadyArchived()
    now = utc_now()
    await repository.update_customer(
        connection, customer_id, {"archived_at": archived_at or now, "updated_at": now}
    )
    return await _reported(connection, account_id, customer_id, topics.CUSTOMER_ARCHIVED)


async def restore_customer(
    connection: SqlConnection, account_id: str, customer_id: str
) -> CustomerReply:
    row = await find_customer(connection, account_id, customer_id, for_update=True)
    if row.archived_at is None:
        raise CustomerNotArchived()
    await repository.update_customer(
        connection, customer_id, {"archived_at": None, "updated_at": utc_now()}
    )
    return await _reported(connection, account_id, customer_id, topics.CUSTOMER_RESTORED)


async def set_default_payment_method(
    connection: SqlConnection, account_id: str, customer_id: str, method_id: str | None
) -> None:
    """Makes ``method_id`` (one of the customer's own) the default, or clears it (None); a
    new value is reported (``default_payment_method_changed``), whatever caused it."""
    row = await find_customer(connection, account_id, customer_id)
    if row.default_payment_method_id == method_id:
        return
    await repository.update_customer(
        connection, customer_id, {"default_payment_method_id": method_id, "updated_at": utc_now()}
    )
    await _reported(connection, account_id, customer_id, topics.DEFAULT_PAYMENT_METHOD_CHANGED)
