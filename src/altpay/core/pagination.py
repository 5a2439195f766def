"""Keyset pagination, used by every list: signed cursors, the keyset queries, the page.

A page is one indexed range scan over (created_at, id), newest first, whatever its depth.
``pages_of`` makes the one dependency a list route needs: it authorizes the caller, reads
``limit``/``after``/``before``, decodes the cursors against the list they must belong to (a
400 before anything is looked up, as the order of checks wants), and gives a ``Pages``
whose ``read`` runs the keyset query and serialises the page in one pass: each row's reply is
JSON the database wrote (``core.replies.reply_items``), embedded as it is, with no value
converted, no model made or validated per row (docs/performance.md, issue 11).

No ``from __future__ import annotations`` here: the dependency's parameters are annotated
with the caller's alias, which FastAPI must see as an object, not as a name.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query, Request, Response
from itsdangerous import BadData, URLSafeSerializer
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Integer, Select, bindparam, tuple_

from altpay.core.db import ReadQuery, SqlConnection
from altpay.core.errors import InvalidCursor, InvalidParameter, raises
from altpay.core.http.connections import runtime_of
from altpay.core.replies import ITEM
from altpay.core.timestamps import format_timestamp

MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class Position:
    created_at: datetime
    id: str


def list_key(account_id: str, list_name: str) -> str:
    """What a cursor is bound to: one list of one account (a cursor of another is refused)."""
    return f"{account_id}:{list_name}"


class CursorCodec:
    """Signs positions into opaque URL-safe cursors bound to one account and one list."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        # itsdangerous signs with the last key and accepts any: newest last.
        self._keys = list(reversed(keys))

    def _serializer(self, list_key: str) -> URLSafeSerializer:
        return URLSafeSerializer(self._keys, salt=f"altpay.cursor:{list_key}")

    def encode(self, created_at: str, object_id: str, list_key: str) -> str:
        """The cursor of the item created at ``created_at`` (as shown: RFC 3339) with this id."""
        return str(self._serializer(list_key).dumps([created_at, object_id]))

    def decode(self, cursor: str, list_key: str) -> Position:
        # A cursor of any length that does not decode is invalid_cursor (behaviour.md); a
        # long one is refused before any work on it.
        try:
            if len(cursor) > MAX_CURSOR_LENGTH:
                raise ValueError("longer than any cursor altpay makes")
            created_at, object_id = self._serializer(list_key).loads(cursor)
            return Position(datetime.fromisoformat(created_at), str(object_id))
        except (BadData, ValueError, TypeError) as error:
            raise InvalidCursor(
                validation_errors={"cursor": "not a cursor of this list"}
            ) from error


# The first page is the page after the end of time: the statement of a cursor's page, whose
# range condition on (created_at, id) only the list's index serves. Planned without
# statistics (a table filled through the API before autovacuum's first ANALYZE), a plain
# first page read the whole account through another index on account_id and sorted it:
# 25.7 ms against 0.16 ms for 20,000 customers (docs/performance.md).
END_OF_TIME = Position(datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "")


@dataclass(frozen=True, slots=True)
class PageBounds:
    """A page request with its cursors decoded and checked."""

    limit: int
    after: Position | None
    before: Position | None


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Any]  # ReadQuery rows: named tuples of the select's columns
    has_next_page: bool
    has_previous_page: bool


PAGE_LIMIT = "page_limit"
BEYOND_CURSOR = "beyond_cursor"  # a cursor page's extra column: not part of its items
POSITION_CREATED_AT = "position_created_at"
POSITION_ID = "position_id"


@dataclass(frozen=True, slots=True)
class ItemsById:
    """Where a page's items come from when the list's select gives only their ids: ``select``'s
    rows whose ``id`` is one of the page's, in the page's order (``created_at``, ``id``).

    For a list decided in a narrower table than its items' (SQLite's company-name filter, in
    its search keys): the page is sorted and cut there, and only its own rows are read.
    """

    select: Select[Any]
    created_at: ColumnElement[datetime]
    id: ColumnElement[str]

    def of(self, page: Select[Any], *, oldest_first: bool) -> Select[Any]:
        key = (self.created_at, self.id)
        order = [column.asc() if oldest_first else column.desc() for column in key]
        return self.select.where(self.id.in_(page)).order_by(*order)


class KeysetList:
    """One list's statements: its base select (filters as named parameters) in keyset order.

    Built once per shape of filters and kept: each statement is a ``ReadQuery``, compiled once
    per dialect, and a page request only binds values (the filters', the limit, the cursor's
    position). Building and compiling the statements per request was a fifth of a page's cost
    (docs/performance.md).
    """

    def __init__(
        self,
        query: Select[Any],
        created_at: ColumnElement[datetime],
        id: ColumnElement[str],
        *,
        custom_plan: bool = False,
        items: ItemsById | None = None,
    ) -> None:
        key = tuple_(created_at, id)
        position = tuple_(
            bindparam(POSITION_CREATED_AT, type_=created_at.type),
            bindparam(POSITION_ID, type_=id.type),
        )
        newest_first = (created_at.desc(), id.desc())
        oldest_first = (created_at.asc(), id.asc())
        limit = bindparam(PAGE_LIMIT, type_=Integer())
        custom = {"custom_plan": custom_plan}  # ReadQuery's: planned for the values
        # Whether an item lies on a cursor's other side (itself included): the nearest one,
        # ordered towards the position and limited to one row, so that the database walks
        # the index from there (an unordered EXISTS let the planner pick a table scan, whose
        # cost grows with the rows stored before the first match).
        ids = query.with_only_columns(id)
        newer = ids.where(key >= position).order_by(*oldest_first).limit(1)
        older = ids.where(key <= position).order_by(*newest_first).limit(1)
        # A cursor's page carries the probe as a column of each row, an uncorrelated subquery
        # run once: one statement, one round trip. An empty page has no row to carry it, so
        # the probe alone runs then. The first page (after the end of time) has nothing
        # newer to probe for: on SQLite's trigram path the probe was half its cost.
        after = query.where(key < position).order_by(*newest_first).limit(limit)
        before = query.where(key > position).order_by(*oldest_first).limit(limit)
        if items is not None:
            after = items.of(after, oldest_first=False)
            before = items.of(before, oldest_first=True)
        self.first = ReadQuery(after, **custom)
        self.after = ReadQuery(
            after.add_columns(newer.scalar_subquery().label(BEYOND_CURSOR)), **custom
        )
        self.before = ReadQuery(
            before.add_columns(older.scalar_subquery().label(BEYOND_CURSOR)), **custom
        )
        self.newer, self.older = ReadQuery(newer, **custom), ReadQuery(older, **custom)

    def statement(
        self, bounds: PageBounds, values: Mapping[str, Any]
    ) -> tuple[ReadQuery, dict[str, Any]]:
        """What ``fetch`` runs: the page (and the probe, for a cursor) with its values.

        The page reads ``limit + 1`` rows, to tell whether more follow: newest first after
        ``bounds.after`` (or from the top), oldest first before ``bounds.before``.
        """
        page_values = {**values, PAGE_LIMIT: bounds.limit + 1}
        if bounds.before is not None:
            return self.before, {**page_values, **_position_values(bounds.before)}
        if bounds.after is not None:
            return self.after, {**page_values, **_position_values(bounds.after)}
        return self.first, {**page_values, **_position_values(END_OF_TIME)}

    async def fetch(
        self, connection: SqlConnection, bounds: PageBounds, values: Mapping[str, Any]
    ) -> Page:
        query, bound = self.statement(bounds, values)
        rows, limit = await connection.fetch(query, bound), bounds.limit
        if query is self.first:
            beyond_cursor = False  # nothing is newer than the end of time
        elif rows:
            beyond_cursor = getattr(rows[0], BEYOND_CURSOR) is not None
        else:
            probe = self.newer if bounds.after is not None else self.older
            beyond_cursor = bool(await connection.fetch(probe, bound))
        if bounds.before is not None:
            return Page(rows[:limit][::-1], beyond_cursor, has_previous_page=len(rows) > limit)
        return Page(rows[:limit], len(rows) > limit, has_previous_page=beyond_cursor)


def _position_values(position: Position) -> dict[str, Any]:
    return {POSITION_CREATED_AT: position.created_at, POSITION_ID: position.id}


Item = TypeVar("Item", bound=BaseModel)


class Paginated(BaseModel, Generic[Item]):
    """The page envelope every list returns."""

    data: list[Item]
    start_cursor: str = Field(description="Cursor of the first item; empty on an empty page.")
    end_cursor: str = Field(description="Cursor of the last item; empty on an empty page.")
    has_next_page: bool = Field(description="Whether an older item exists under these filters.")
    has_previous_page: bool = Field(description="Whether a newer item exists under these filters.")


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    after: str | None
    before: str | None


class JsonPage(Response):
    """A page's JSON, made by ``Pages.read``."""

    media_type = "application/json"


@dataclass(frozen=True, slots=True)
class Pages:
    """One page of one list of one account, its cursors decoded."""

    account_id: str
    bounds: PageBounds
    list_key: str
    codec: CursorCodec

    async def read(
        self,
        connection: SqlConnection,
        listing: KeysetList,
        values: Mapping[str, Any],
        *,
        reply: Callable[[Any], BaseModel] | None = None,
    ) -> JsonPage:
        """The page of ``listing`` (filters bound by ``values``), serialised in one pass.

        Each row's reply is its JSON as the database wrote it (a select of
        ``core.replies.reply_items``), or ``reply``'s model of the row (for what SQL cannot
        write). The route declares the envelope as its ``response_model``: the served schema,
        which this page is not validated against again.
        """
        page = await listing.fetch(connection, self.bounds, values)
        start_cursor, end_cursor = self._cursors(page)
        data: list[Any]
        if reply is None:
            data = [orjson.Fragment(getattr(row, ITEM)) for row in page.rows]
        else:
            data = [reply(row) for row in page.rows]
        envelope = {
            "data": data,
            "start_cursor": start_cursor,
            "end_cursor": end_cursor,
            "has_next_page": page.has_next_page,
            "has_previous_page": page.has_previous_page,
        }
        return JsonPage(orjson.dumps(envelope, default=_model_json))

    def _cursors(self, page: Page) -> tuple[str, str]:
        if not page.rows:
            return "", ""
        first, last = page.rows[0], page.rows[-1]
        return (
            self.codec.encode(_shown_time(first), first.id, self.list_key),
            self.codec.encode(_shown_time(last), last.id, self.list_key),
        )


def _model_json(value: Any) -> Any:
    """What orjson cannot encode itself: a reply model, as FastAPI would encode it."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON")


def _shown_time(row: Any) -> str:
    """The time a row's cursor holds, as its reply shows it: read back from the JSON the
    database wrote (``reply_items``; for the page's first and last rows only, where a
    formatted column would be computed for every row PostgreSQL sorts), or formatted."""
    item = getattr(row, ITEM, None)
    if item is not None:
        shown: str = orjson.loads(item)["created_at"]
        return shown
    return format_timestamp(row.created_at)


# async, though it never waits: FastAPI runs a plain ``def`` dependency on a worker
# thread, a thread hop per request (docs/performance.md). InvalidParameter also stands
# for a limit or a cursor out of bounds (altpay.core.http.errors renders those).
@raises(InvalidParameter)
async def page_request(
    limit: Annotated[
        int,
        Query(description="Number of items to return", ge=1, le=MAX_LIMIT),
    ] = MAX_LIMIT,
    after: Annotated[
        str | None,
        Query(
            description="Specifies the cursor after which to start returning results. For the "
            "first page, this should be left empty. For subsequent pages, use the value of the "
            "end_cursor field from the previous response.",
        ),
    ] = None,
    before: Annotated[
        str | None,
        Query(
            description="Specifies the cursor before which to return results. Use this to "
            "paginate backwards. For example, to load the previous page, provide the value of "
            "the start_cursor field from the last response.",
        ),
    ] = None,
) -> PageRequest:
    # An empty cursor means "the first page" (the vendor's own words).
    after, before = after or None, before or None
    if after is not None and before is not None:
        raise InvalidParameter(
            "Use either after or before, not both.",
            validation_errors={"before": "cannot be combined with after"},
        )
    return PageRequest(limit=limit, after=after, before=before)


def pages_of(list_name: str, caller: Any, *, per: str | None = None) -> Any:
    """The ``Pages`` dependency of a list that ``caller`` (an auth dependency alias) reads.

    ``per``: the path parameter whose value the list belongs to (a customer's users are one
    list per customer id); a cursor of one such list is refused on another.
    """

    # The caller first: authentication and scope (401/403) come before parameters (400).
    @raises(InvalidCursor)
    async def pages(
        principal: caller,
        page: Annotated[PageRequest, Depends(page_request)],
        request: Request,
    ) -> Pages:
        name = f"{list_name}:{request.path_params[per]}" if per else list_name
        key = list_key(principal.account_id, name)
        codec = runtime_of(request).cursors
        bounds = PageBounds(
            limit=page.limit,
            after=codec.decode(page.after, key) if page.after else None,
            before=codec.decode(page.before, key) if page.before else None,
        )
        return Pages(principal.account_id, bounds, key, codec)

    return Depends(pages)
