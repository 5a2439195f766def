"""Keyset pagination over (created_at, id), newest first: a page is one indexed range scan
whatever its depth."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, bindparam, tuple_

from altpay.core.db import ReadQuery, SqlConnection
from altpay.core.pagination.cursors import Position


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
POSITION_CREATED_AT = "position_created_at"
POSITION_ID = "position_id"


class KeysetList:
    """One list's statements: its base select (filters as named parameters) in keyset order.

    Built once per shape of filters and kept: each statement is a ``ReadQuery``, compiled once
    per dialect, and a page request only binds values (the filters', the limit, the cursor's
    position). Building and compiling the statements per request was a fifth of a page's cost
    (docs/performance.md).
    """

    def __init__(
        self, query: Select[Any], created_at: ColumnElement[datetime], id: ColumnElement[str]
    ) -> None:
        key = tuple_(created_at, id)
        position = tuple_(
            bindparam(POSITION_CREATED_AT, type_=created_at.type),
            bindparam(POSITION_ID, type_=id.type),
        )
        newest_first = (created_at.desc(), id.desc())
        oldest_first = (created_at.asc(), id.asc())
        limit = bindparam(PAGE_LIMIT, type_=Integer())
        ids = query.with_only_columns(id)
        self.first = ReadQuery(query.order_by(*newest_first).limit(limit))
        self.after = ReadQuery(query.where(key < position).order_by(*newest_first).limit(limit))
        self.before = ReadQuery(query.where(key > position).order_by(*oldest_first).limit(limit))
        # The nearest item on one side of a position (itself included): ordered towards the
        # position and limited to one row, so that the database walks the index from there.
        # An unordered EXISTS let the planner pick a table scan, whose cost grows with the
        # rows stored before the first match.
        self.older = ReadQuery(ids.where(key <= position).order_by(*newest_first).limit(1))
        self.newer = ReadQuery(ids.where(key >= position).order_by(*oldest_first).limit(1))

    def statements(
        self, bounds: PageBounds, values: Mapping[str, Any]
    ) -> list[tuple[ReadQuery, dict[str, Any]]]:
        """What ``fetch`` runs, in order: the probe for the cursor's side (if any), the page.

        The page reads ``limit + 1`` rows, to tell whether more follow: newest first after
        ``bounds.after`` (or from the top), oldest first before ``bounds.before``.
        """
        page_values = {**values, PAGE_LIMIT: bounds.limit + 1}
        if bounds.before is not None:
            at = {**values, **_position_values(bounds.before)}
            return [(self.older, at), (self.before, {**page_values, **at})]
        if bounds.after is not None:
            at = {**values, **_position_values(bounds.after)}
            return [(self.newer, at), (self.after, {**page_values, **at})]
        return [(self.first, page_values)]

    async def fetch(
        self, connection: SqlConnection, bounds: PageBounds, values: Mapping[str, Any]
    ) -> Page:
        results = [
            await connection.fetch(query, bound) for query, bound in self.statements(bounds, values)
        ]
        rows, limit = results[-1], bounds.limit
        beyond_cursor = len(results) > 1 and bool(results[0])
        if bounds.before is not None:
            return Page(rows[:limit][::-1], beyond_cursor, has_previous_page=len(rows) > limit)
        return Page(rows[:limit], len(rows) > limit, has_previous_page=beyond_cursor)


def _position_values(position: Position) -> dict[str, Any]:
    return {POSITION_CREATED_AT: position.created_at, POSITION_ID: position.id}
