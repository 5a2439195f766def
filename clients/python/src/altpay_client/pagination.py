"""Lazy iteration over every item of a list, following its cursors.

Forward (the default), pages follow ``end_cursor`` with ``after`` while ``has_next_page``;
items come newest first, as the API sends them. Backward (``reverse=True``, or a ``before``
cursor given), pages follow ``start_cursor`` with ``before`` while ``has_previous_page``,
and items come oldest first. A backward walk without a ``before`` cursor starts at the
oldest item: it first follows the cursors forward to the last page (one page in memory).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, TypeVar

from altpay_client.models import Model, Page

T = TypeVar("T", bound=Model)
Params = dict[str, Any]


def _following(page: Page[Any], params: Params, backward: bool) -> Params | None:
    """The parameters of the page after ``page`` in the walk's direction, or None at the end."""
    rest = {key: value for key, value in params.items() if key not in ("after", "before")}
    if backward:
        return {**rest, "before": page.start_cursor} if page.has_previous_page else None
    return {**rest, "after": page.end_cursor} if page.has_next_page else None


class SyncPager(Generic[T]):
    """The items of a list, fetched a page at a time as the iteration reaches them."""

    def __init__(self, fetch: Callable[[Params], Page[T]], params: Params, *, reverse: bool):
        self._fetch = fetch
        self._params = params
        self._backward = reverse or bool(params.get("before"))

    def first_page(self) -> Page[T]:
        """The first page of the walk (for a backward walk without a cursor, the last page)."""
        pages = self.pages()
        try:
            return next(pages)
        finally:
            pages.close()

    def pages(self) -> Generator[Page[T], None, None]:
        params: Params | None = self._params
        if self._backward and not self._params.get("before"):
            page = self._fetch(self._params)
            while (after := _following(page, self._params, backward=False)) is not None:
                page = self._fetch(after)
            yield page
            params = _following(page, self._params, backward=True)
        while params is not None:
            page = self._fetch(params)
            yield page
            params = _following(page, self._params, self._backward)

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from reversed(page.data) if self._backward else page.data


class AsyncPager(Generic[T]):
    """``SyncPager`` for the ``AsyncClient``: ``async for``, ``pages()``, ``await first_page()``."""

    def __init__(
        self, fetch: Callable[[Params], Awaitable[Page[T]]], params: Params, *, reverse: bool
    ):
        self._fetch = fetch
        self._params = params
        self._backward = reverse or bool(params.get("before"))

    async def first_page(self) -> Page[T]:
        pages = self.pages()
        try:
            return await anext(pages)
        finally:
            await pages.aclose()

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        params: Params | None = self._params
        if self._backward and not self._params.get("before"):
            page = await self._fetch(self._params)
            while (after := _following(page, self._params, backward=False)) is not None:
                page = await self._fetch(after)
            yield page
            params = _following(page, self._params, backward=True)
        while params is not None:
            page = await self._fetch(params)
            yield page
            params = _following(page, self._params, self._backward)

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in reversed(page.data) if self._backward else page.data:
                yield item
