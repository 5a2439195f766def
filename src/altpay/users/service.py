"""The rules of customer users. No HTTP, no commit."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from altpay.core.db import SqlConnection
from altpay.core.errors import ValidationFailed
from altpay.core.ids import new_id
from altpay.core.pagination import JsonPage, Pages
from altpay.core.timestamps import format_timestamp, utc_now
from altpay.customers.errors import CustomerArchived
from altpay.customers.service import find_customer
from altpay.users import repository
from altpay.users.errors import DuplicateEmail
from altpay.users.schemas import CreateCustomerUserInput, CustomerUser

_EMAIL_TAKEN = {"email": "is already used by another user of this customer"}


def user_reply(row: Any) -> CustomerUser:
    return CustomerUser(
        id=row.id,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        job_title=row.job_title,
        phone=row.phone,
        created_at=format_timestamp(row.created_at),
    )


async def create_user(
    connection: SqlConnection,
    account_id: str,
    customer_id: str,
    data: CreateCustomerUserInput,
    *,
    user_id: str | None = None,
    created_at: datetime | None = None,
) -> CustomerUser:
    """Creates a user now, or as recorded (``user_id``, free, and ``created_at``: fixtures)."""
    customer = await find_customer(connection, account_id, customer_id, for_update=True)
    if customer.archived_at is not None:
        raise CustomerArchived("An archived customer cannot be given users; restore it first.")
    email_folded = data.email.casefold()
    if await repository.email_taken(connection, customer_id, email_folded):
        raise ValidationFailed(validation_errors=_EMAIL_TAKEN)
    now = created_at or utc_now()
    values = {
        **data.model_dump(),
        "id": user_id or new_id("usr"),
        "customer_id": customer_id,
        "email_folded": email_folded,
        "job_title": "",
        "phone": "",
        "created_at": now,
        "updated_at": now,
    }
    try:
        await repository.insert_user(connection, values)
    except DuplicateEmail as error:
        raise ValidationFailed(validation_errors=_EMAIL_TAKEN) from error
    return user_reply(SimpleNamespace(**values))


async def list_users(connection: SqlConnection, pages: Pages, customer_id: str) -> JsonPage:
    await find_customer(connection, pages.account_id, customer_id)
    return await pages.read(connection, repository.USER_LISTING, {"customer_id": customer_id})
