"""A list route's page: its parameters parsed, its cursors checked, its envelope built.

``pages_of`` makes the one dependency a list route needs: it authorizes the caller, reads
``limit``/``after``/``before``, decodes the cursors against the list they must belong to
(a 400 before anything is looked up, as the order of checks wants), and gives a ``Pages``
whose ``read`` runs the keyset query and returns the envelope.

No ``from __future__ import annotations`` here: the dependency's parameters are annotated
with the caller's alias, which FastAPI must see as an object, not as a name.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from altpay.core.db import SqlConnection
from altpay.core.errors import InvalidCursor, InvalidParameter, raises
from altpay.core.pagination.cursors import MAX_CURSOR_LENGTH, CursorCodec, Position, list_key
from altpay.core.pagination.keyset import KeysetList, Page, PageBounds
from altpay.core.runtime import runtime_of

MAX_LIMIT = 100

Item = TypeVar("Item", bound=BaseModel)


class Paginated(BaseModel, Generic[Item]):
    """The page envelope every list returns."""

    data: list[Item]
    start_cursor: str = Field(description="Cursor of the first item; empty on an empty page.")
    end_cursor: str = Field(description="Cursor of the last item; empty on an empty page.")
    has_next_page: bool = Field(description="Whether an older item exists under these filters.")
    has_previous_page: bool = Field(description="Whether a newer item exists under these filters.")


Envelope = TypeVar("Envelope", bound=Paginated[Any])


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    after: str | None
    before: str | None


class Caller(Protocol):
    """Whoever a list is read for: the pages of one account only."""

    @property
    def account_id(self) -> str: ...


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
        reply: Callable[[Any], Any],
        envelope: type[Envelope],
    ) -> Envelope:
        """The page of ``listing`` (filters bound by ``values``), each row shown by ``reply``."""
        page = await listing.fetch(connection, self.bounds, values)
        start_cursor, end_cursor = self._cursors(page)
        return envelope(
            data=[reply(row) for row in page.rows],
            start_cursor=start_cursor,
            end_cursor=end_cursor,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
        )

    def _cursors(self, page: Page) -> tuple[str, str]:
        if not page.rows:
            return "", ""
        first, last = page.rows[0], page.rows[-1]
        return (
            self.codec.encode(Position(first.created_at, first.id), self.list_key),
            self.codec.encode(Position(last.created_at, last.id), self.list_key),
        )


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
            max_length=MAX_CURSOR_LENGTH,
        ),
    ] = None,
    before: Annotated[
        str | None,
        Query(
            description="Specifies the cursor before which to return results. Use this to "
            "paginate backwards. For example, to load the previous page, provide the value of "
            "the start_cursor field from the last response.",
            max_length=MAX_CURSOR_LENGTH,
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
