"""Queries for customers."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from altpay.core.db import ReadQuery, SqlConnection, UniqueViolation
from altpay.core.pagination import ItemsById, KeysetList
from altpay.core.replies import or_text, reply_columns, reply_items, text_literal
from altpay.core.timestamps import shown_timestamp
from altpay.customers.errors import DuplicateExternalId
from altpay.customers.models import (
    customer_name_trigrams,
    customer_search_keys,
    customers,
    external_id_per_account,
)
from altpay.customers.schemas import CustomerReply


class Substring(TypeDecorator[str]):
    """A bound value matched anywhere by ``LIKE … ESCAPE '/'``: ``%`` and ``_`` match themselves.

    SQLAlchemy's ``contains(autoescape=True)`` escapes a literal value when the statement is
    built; this escapes the value bound to a statement compiled once, the same way.
    """

    impl = String()
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        escaped = value.replace("/", "//").replace("%", "/%").replace("_", "/_")
        return f"%{escaped}%"


@dataclass(frozen=True, slots=True)
class CustomerFilters:
    created_at_start: datetime | None = None
    created_at_end: datetime | None = None
    company_name: str | None = None
    include_archived: bool = False


# A customer as its reply shows it (core.replies): the columns of GET, the JSON of the list.
_SHOWN: dict[str, ColumnElement[Any]] = {
    "external_id": or_text(customers.c.external_id),
    "customer_integration_id": text_literal(""),
    "default_payment_method_id": or_text(customers.c.default_payment_method_id),
    "archived_at": shown_timestamp(customers.c.archived_at, null=""),
}
_REPLY_COLUMNS = reply_columns(customers, CustomerReply, **_SHOWN)
_REPLY_ITEMS = reply_items(customers, CustomerReply, **_SHOWN)


def reply_select() -> Select[Any]:
    """The columns a ``CustomerReply`` shows, as it shows them."""
    return select(*_REPLY_COLUMNS)


# What the rules read of a customer (its state; no timestamp but archived_at).
_STATE_COLUMNS = [
    customers.c.id,
    customers.c.country,
    customers.c.state,
    customers.c.postal_code,
    customers.c.default_payment_method_id,
    customers.c.archived_at,
]


async def insert_customer(connection: SqlConnection, values: dict[str, Any]) -> None:
    try:
        await connection.execute(insert(customers).values(values))
    except UniqueViolation as error:
        if error.violates(external_id_per_account):
            raise DuplicateExternalId from error
        raise


async def external_id_taken(connection: SqlConnection, account_id: str, external_id: str) -> bool:
    query = select(customers.c.id).where(
        customers.c.account_id == account_id, customers.c.external_id == external_id
    )
    return await connection.scalar(query.limit(1)) is not None


def _by_id() -> list[ColumnElement[bool]]:
    return [
        customers.c.id == bindparam("customer_id"),
        customers.c.account_id == bindparam("account_id"),
    ]


# GET /customers/{id}, the hottest read, and the rules' read: built and compiled once.
_FIND_REPLY = ReadQuery(reply_select().where(*_by_id()))
_FIND_STATE = ReadQuery(select(*_STATE_COLUMNS).where(*_by_id()))


async def find_reply(connection: SqlConnection, account_id: str, customer_id: str) -> Any:
    """The customer's reply row (``CustomerReply``'s fields), or None."""
    rows = await connection.fetch(
        _FIND_REPLY, {"customer_id": customer_id, "account_id": account_id}
    )
    return rows[0] if rows else None


async def find_customer(
    connection: SqlConnection, account_id: str, customer_id: str, *, for_update: bool = False
) -> Row[Any] | None:
    """What the rules read of the customer, or None."""
    if not for_update:
        rows = await connection.fetch(
            _FIND_STATE, {"customer_id": customer_id, "account_id": account_id}
        )
        return rows[0] if rows else None
    query = select(*_STATE_COLUMNS).where(
        customers.c.id == customer_id, customers.c.account_id == account_id
    )
    # Writes to one customer (and its users and payment methods) queue on its row.
    query = query.with_for_update(of=customers)
    return (await connection.execute(query)).first()


async def update_customer(
    connection: SqlConnection, customer_id: str, values: dict[str, Any]
) -> None:
    await connection.execute(update(customers).where(customers.c.id == customer_id).values(values))


TRIGRAM = 3  # characters: the shortest substring a trigram index serves
# Under this many names in SQLite's trigram index holding the phrase (of every account), the
# filter is driven from the index: each match looked up and the page sorted. Beyond it,
# walking the account's list newest first meets a page of matches sooner (docs/performance.md).
INDEX_DRIVEN_MATCHES = 2_000

_TRIGRAM_MATCHES = ReadQuery(
    select(func.count().label("matches")).select_from(
        select(customer_name_trigrams.c.rowid)
        .where(customer_name_trigrams.c.name_folded.match(bindparam("name_phrase")))
        .limit(INDEX_DRIVEN_MATCHES)
        .subquery()
    )
)


async def customer_listing(
    connection: SqlConnection, account_id: str, filters: CustomerFilters
) -> tuple[KeysetList, dict[str, Any]]:
    """The list's statements for this shape of filters, and the values to bind."""
    values: dict[str, Any] = {"account_id": account_id}
    if filters.created_at_start is not None:
        values["created_at_start"] = filters.created_at_start
    if filters.created_at_end is not None:
        values["created_at_end"] = filters.created_at_end
    if filters.company_name:
        values["name_part"] = name_part = filters.company_name.casefold()
        phrase = _trigram_phrase(name_part)
        if connection.backend == "sqlite" and len(name_part) >= TRIGRAM:
            matches = await connection.fetch(_TRIGRAM_MATCHES, {"name_phrase": phrase})
            if matches[0].matches < INDEX_DRIVEN_MATCHES:
                values["name_phrase"] = phrase
    listing = _listing(
        include_archived=filters.include_archived,
        created_after="created_at_start" in values,
        created_before="created_at_end" in values,
        by_name="name_part" in values,
        from_trigrams="name_phrase" in values,
    )
    return listing, values


def _trigram_phrase(name_part: str) -> str:
    """An FTS5 query for ``name_part`` as literal text: one phrase, its quotes doubled."""
    return '"' + name_part.replace('"', '""') + '"'


# SQLite's candidates for a phrase: the search keys of the names that hold its trigrams, from
# the FTS5 index of migration 0009 (a superset of the substring's matches: LIKE decides).
_TRIGRAM_CANDIDATES = customer_search_keys.c.key.in_(
    select(customer_name_trigrams.c.rowid).where(
        customer_name_trigrams.c.name_folded.match(bindparam("name_phrase"))
    )
)
# A page decided in the search keys (migration 0011) is read from customers by id.
_ITEMS_BY_ID = ItemsById(select(*_REPLY_ITEMS), customers.c.created_at, customers.c.id)


@functools.cache
def _listing(
    *,
    include_archived: bool,
    created_after: bool,
    created_before: bool,
    by_name: bool,
    from_trigrams: bool,
) -> KeysetList:
    """``from_trigrams`` (SQLite only): the page is decided in the search keys of the trigram
    index's candidates, which hold copies of the columns the filter reads, and only its rows
    are read from customers; reading each candidate's row cost five times as much."""
    rows = customer_search_keys if from_trigrams else customers
    conditions: list[ColumnElement[bool]] = [rows.c.account_id == bindparam("account_id")]
    if not include_archived:
        conditions.append(rows.c.archived_at.is_(None))
    if created_after:
        conditions.append(rows.c.created_at >= bindparam("created_at_start"))
    if created_before:
        conditions.append(rows.c.created_at <= bindparam("created_at_end"))
    if by_name:
        conditions.append(
            rows.c.name_folded.like(bindparam("name_part", type_=Substring()), escape="/")
        )
    # A word's filter: its best plan depends on how rare the word is (the trigram index, or
    # the newest-first walk), so it is planned for its value every time (issue 5's note).
    if from_trigrams:
        conditions.append(_TRIGRAM_CANDIDATES)
        query = select(customer_search_keys.c.customer_id).where(*conditions)
        return KeysetList(
            query=query,
            created_at=customer_search_keys.c.created_at,
            id=customer_search_keys.c.customer_id,
            custom_plan=True,
            items=_ITEMS_BY_ID,
        )
    return KeysetList(
        query=select(*_REPLY_ITEMS).where(*conditions),
        created_at=customers.c.created_at,
        id=customers.c.id,
        custom_plan=by_name,
    )


async def account_of_customer(connection: SqlConnection, customer_id: str) -> str | None:
    query = select(customers.c.account_id).where(customers.c.id == customer_id)
    account_id: str | None = await connection.scalar(query)
    return account_id
