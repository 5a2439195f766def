"""A customer's users: ``client.customers.users.list/create``."""

from __future__ import annotations

from typing import Any, Unpack

from altpay_client._retry import RequestSpec
from altpay_client.models import CustomerUser, Page
from altpay_client.pagination import AsyncPager, SyncPager
from altpay_client.params import UserCreateParams
from altpay_client.resources._base import (
    AsyncRequester,
    SyncRequester,
    path,
    post,
    without_none,
)

USERS = "/customers/{}/users"


def _list_params(limit: int | None, after: str | None, before: str | None) -> dict[str, Any]:
    return without_none({"limit": limit, "after": after, "before": before})


class Users:
    def __init__(self, client: SyncRequester) -> None:
        self._client = client

    def list(
        self,
        customer_id: str,
        *,
        limit: int | None = None,
        after: str | None = None,
        before: str | None = None,
        reverse: bool = False,
    ) -> SyncPager[CustomerUser]:
        """Every user of the customer, newest first (oldest first with ``reverse``), lazily."""
        route = path(USERS, customer_id)

        def fetch(params: dict[str, Any]) -> Page[CustomerUser]:
            body = self._client.request(RequestSpec("GET", route, params=params))
            return Page.from_json(body, CustomerUser)

        return SyncPager(fetch, _list_params(limit, after, before), reverse=reverse)

    def create(
        self,
        customer_id: str,
        *,
        idempotency_key: str | None = None,
        **params: Unpack[UserCreateParams],
    ) -> CustomerUser:
        spec = post(path(USERS, customer_id), params, idempotency_key)
        return CustomerUser.from_json(self._client.request(spec))


class AsyncUsers:
    def __init__(self, client: AsyncRequester) -> None:
        self._client = client

    def list(
        self,
        customer_id: str,
        *,
        limit: int | None = None,
        after: str | None = None,
        before: str | None = None,
        reverse: bool = False,
    ) -> AsyncPager[CustomerUser]:
        """Every user of the customer, newest first (oldest first with ``reverse``), lazily."""
        route = path(USERS, customer_id)

        async def fetch(params: dict[str, Any]) -> Page[CustomerUser]:
            body = await self._client.request(RequestSpec("GET", route, params=params))
            return Page.from_json(body, CustomerUser)

        return AsyncPager(fetch, _list_params(limit, after, before), reverse=reverse)

    async def create(
        self,
        customer_id: str,
        *,
        idempotency_key: str | None = None,
        **params: Unpack[UserCreateParams],
    ) -> CustomerUser:
        spec = post(path(USERS, customer_id), params, idempotency_key)
        return CustomerUser.from_json(await self._client.request(spec))
