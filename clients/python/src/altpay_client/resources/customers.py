"""Customers: ``client.customers.list/create/get/update/archive/restore``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Unpack

from altpay_client._retry import RequestSpec
from altpay_client.models import Customer, Page
from altpay_client.pagination import AsyncPager, SyncPager
from altpay_client.params import CustomerCreateParams, CustomerUpdateParams
from altpay_client.resources._base import (
    AsyncRequester,
    SyncRequester,
    path,
    post,
    without_none,
)
from altpay_client.resources.payment_methods import AsyncPaymentMethods, PaymentMethods
from altpay_client.resources.users import AsyncUsers, Users

CUSTOMERS = "/customers"
CUSTOMER = "/customers/{}"


def _timestamp(value: str | datetime | None) -> str | None:
    """RFC 3339 for a filter bound; a naive datetime is refused (its zone would be a guess)."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None:
        raise ValueError("created_at bounds need a timezone (e.g. datetime.now(UTC))")
    return value.isoformat()


def _list_params(
    limit: int | None,
    after: str | None,
    before: str | None,
    created_at_start: str | datetime | None,
    created_at_end: str | datetime | None,
    company_name: str | None,
    include_archived: bool | None,
) -> dict[str, Any]:
    return without_none(
        {
            "limit": limit,
            "after": after,
            "before": before,
            "created_at_start": _timestamp(created_at_start),
            "created_at_end": _timestamp(created_at_end),
            "company_name": company_name,
            "include_archived": None if include_archived is None else str(include_archived).lower(),
        }
    )


class Customers:
    def __init__(self, client: SyncRequester) -> None:
        self._client = client
        self.users = Users(client)
        self.payment_methods = PaymentMethods(client)

    def list(
        self,
        *,
        limit: int | None = None,
        after: str | None = None,
        before: str | None = None,
        reverse: bool = False,
        created_at_start: str | datetime | None = None,
        created_at_end: str | datetime | None = None,
        company_name: str | None = None,
        include_archived: bool | None = None,
    ) -> SyncPager[Customer]:
        """Every customer matching the filters, newest first (oldest first with ``reverse``),
        fetched a page (``limit`` items, default 100) at a time as the iteration goes."""

        def fetch(params: dict[str, Any]) -> Page[Customer]:
            body = self._client.request(RequestSpec("GET", CUSTOMERS, params=params))
            return Page.from_json(body, Customer)

        params = _list_params(
            limit, after, before, created_at_start, created_at_end, company_name, include_archived
        )
        return SyncPager(fetch, params, reverse=reverse)

    def create(
        self, *, idempotency_key: str | None = None, **params: Unpack[CustomerCreateParams]
    ) -> Customer:
        return Customer.from_json(self._client.request(post(CUSTOMERS, params, idempotency_key)))

    def get(self, customer_id: str) -> Customer:
        spec = RequestSpec("GET", path(CUSTOMER, customer_id))
        return Customer.from_json(self._client.request(spec))

    def update(self, customer_id: str, **params: Unpack[CustomerUpdateParams]) -> Customer:
        """Sets the fields given; ``None`` clears an optional one; the rest stay as they are."""
        spec = RequestSpec("PATCH", path(CUSTOMER, customer_id), json=dict(params))
        return Customer.from_json(self._client.request(spec))

    def archive(self, customer_id: str) -> Customer:
        spec = RequestSpec("DELETE", path(CUSTOMER, customer_id))
        return Customer.from_json(self._client.request(spec))

    def restore(self, customer_id: str, *, idempotency_key: str | None = None) -> Customer:
        spec = post(path(CUSTOMER + "/restore", customer_id), None, idempotency_key)
        return Customer.from_json(self._client.request(spec))


class AsyncCustomers:
    def __init__(self, client: AsyncRequester) -> None:
        self._client = client
        self.users = AsyncUsers(client)
        self.payment_methods = AsyncPaymentMethods(client)

    def list(
        self,
        *,
        limit: int | None = None,
        after: str | None = None,
        before: str | None = None,
        reverse: bool = False,
        created_at_start: str | datetime | None = None,
        created_at_end: str | datetime | None = None,
        company_name: str | None = None,
        include_archived: bool | None = None,
    ) -> AsyncPager[Customer]:
        """Every customer matching the filters, newest first (oldest first with ``reverse``),
        fetched a page (``limit`` items, default 100) at a time as ``async for`` goes."""

        async def fetch(params: dict[str, Any]) -> Page[Customer]:
            body = await self._client.request(RequestSpec("GET", CUSTOMERS, params=params))
            return Page.from_json(body, Customer)

        params = _list_params(
            limit, after, before, created_at_start, created_at_end, company_name, include_archived
        )
        return AsyncPager(fetch, params, reverse=reverse)

    async def create(
        self, *, idempotency_key: str | None = None, **params: Unpack[CustomerCreateParams]
    ) -> Customer:
        spec = post(CUSTOMERS, params, idempotency_key)
        return Customer.from_json(await self._client.request(spec))

    async def get(self, customer_id: str) -> Customer:
        spec = RequestSpec("GET", path(CUSTOMER, customer_id))
        return Customer.from_json(await self._client.request(spec))

    async def update(self, customer_id: str, **params: Unpack[CustomerUpdateParams]) -> Customer:
        """Sets the fields given; ``None`` clears an optional one; the rest stay as they are."""
        spec = RequestSpec("PATCH", path(CUSTOMER, customer_id), json=dict(params))
        return Customer.from_json(await self._client.request(spec))

    async def archive(self, customer_id: str) -> Customer:
        spec = RequestSpec("DELETE", path(CUSTOMER, customer_id))
        return Customer.from_json(await self._client.request(spec))

    async def restore(self, customer_id: str, *, idempotency_key: str | None = None) -> Customer:
        spec = post(path(CUSTOMER + "/restore", customer_id), None, idempotency_key)
        return Customer.from_json(await self._client.request(spec))
