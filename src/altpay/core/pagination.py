"""Keyset pagination over (created_at, id), newest first, with signed position cursors.

Used by every list: the limit and cursor parameters, the cursor codec, the keyset query
and the page envelope. A page costs one indexed range scan whatever its depth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from itsdangerous import BadData, URLSafeSerializer
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Row, Select, literal, tuple_

from altpay.core.db import SqlConnection
from altpay.core.errors import InvalidCursor
from altpay.core.timestamps import format_timestamp

MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 1024

Item = TypeVar("Item", bound=BaseModel)


class Paginated(BaseModel, Generic[Item]):
    """The page envelope every list returns."""

    data: list[Item]
    start_cursor: str = Field(description="Cursor of the first item; empty on an empty page.")
    end_cursor: str = Field(description="Cursor of the last item; empty on an empty page.")
    has_next_page: bool = Field(description="Whether an older item exists under these filters.")
    has_previous_page: bool = Field(description="Whether a newer item exists under these filters.")


@dataclass(frozen=True, slots=True)
class Position:
    created_at: datetime
    id: str


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    after: str | None
    before: str | None


class CursorCodec:
    """Signs positions into opaque URL-safe cursors bound to one account and one list."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        # itsdangerous signs with the last key and accepts any: newest last.
        self._keys = list(reversed(keys))

    def _serializer(self, list_key: str) -> URLSafeSerializer:
        return URLSafeSerializer(self._keys, salt=f"altpay.cursor:{list_key}")

    def encode(self, position: Position, list_key: str) -> str:
        return str(
            self._serializer(list_key).dumps([format_timestamp(position.created_at), position.id])
        )

    def decode(self, cursor: str, list_key: str) -> Position:
        try:
            created_at, object_id = self._serializer(list_key).loads(cursor)
            return Position(datetime.fromisoformat(created_at), str(object_id))
        except (BadData, ValueError, TypeError) as error:
            raise InvalidCursor(
                validation_errors={"cursor": "not a cursor of this list"}
            ) from error


@dataclass(frozen=True, slots=True)
class PageBounds:
    """A page request with its cursors decoded and checked."""

    limit: int
    after: Position | None
    before: Position | None


def page_bounds(request: PageRequest, codec: CursorCodec, list_key: str) -> PageBounds:
    return PageBounds(
        limit=request.limit,
        after=codec.decode(request.after, list_key) if request.after else None,
        before=codec.decode(request.before, list_key) if request.before else None,
    )


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Row[Any]]
    has_next_page: bool
    has_previous_page: bool


@dataclass(frozen=True, slots=True)
class KeysetList:
    """One list's query: its base select (filters applied) and its ordering columns."""

    query: Select[Any]
    created_at: ColumnElement[datetime]
    id: ColumnElement[str]

    def _key(self) -> ColumnElement[Any]:
        return tuple_(self.created_at, self.id)

    def _bound(self, position: Position) -> ColumnElement[Any]:
        return tuple_(
            literal(position.created_at, self.created_at.type), literal(position.id, self.id.type)
        )

    def page_query(self, bounds: PageBounds) -> Select[Any]:
        """The statement that reads one page: ``limit + 1`` rows, to tell whether more follow.

        Newest first after ``bounds.after`` (or from the top); oldest first before
        ``bounds.before``, which ``fetch`` turns back into newest first.
        """
        limit = bounds.limit
        if bounds.before is not None:
            query = self.query.where(self._key() > self._bound(bounds.before))
            return query.order_by(self.created_at.asc(), self.id.asc()).limit(limit + 1)
        query = self.query.order_by(self.created_at.desc(), self.id.desc()).limit(limit + 1)
        if bounds.after is not None:
            query = query.where(self._key() < self._bound(bounds.after))
        return query

    def neighbour_query(self, position: Position, *, older: bool) -> Select[Any]:
        """The id of the item nearest ``position`` (itself included) on its older or newer side.

        Ordered towards ``position`` and limited to one row, so that the database walks the
        index from the position: an unordered ``EXISTS`` lets the planner pick a table scan,
        whose cost grows with the rows stored before the first match.
        """
        key, bound = self._key(), self._bound(position)
        query = self.query.with_only_columns(self.id)
        if older:
            query = query.where(key <= bound).order_by(self.created_at.desc(), self.id.desc())
        else:
            query = query.where(key >= bound).order_by(self.created_at.asc(), self.id.asc())
        return query.limit(1)

    async def _any(self, connection: SqlConnection, query: Select[Any]) -> bool:
        return await connection.scalar(query) is not None

    async def fetch(self, connection: SqlConnection, bounds: PageBounds) -> Page:
        limit = bounds.limit
        query = self.page_query(bounds)
        if bounds.before is not None:
            rows = list((await connection.execute(query)).all())
            has_next = await self._any(connection, self.neighbour_query(bounds.before, older=True))
            return Page(rows[:limit][::-1], has_next, has_previous_page=len(rows) > limit)
        has_previous = False
        if bounds.after is not None:
            has_previous = await self._any(
                connection, self.neighbour_query(bounds.after, older=False)
            )
        rows = list((await connection.execute(query)).all())
        return Page(rows[:limit], len(rows) > limit, has_previous)


def page_cursors(page: Page, codec: CursorCodec, list_key: str) -> tuple[str, str]:
    """The start and end cursors of a page (``""`` when it is empty)."""
    if not page.rows:
        return "", ""
    first, last = page.rows[0], page.rows[-1]
    return (
        codec.encode(Position(first.created_at, first.id), list_key),
        codec.encode(Position(last.created_at, last.id), list_key),
    )
