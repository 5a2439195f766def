"""Iteration across many pages, both ways, equals the list read page by page by hand."""

from __future__ import annotations

import asyncio

import pytest

from altpay_client import AsyncClient, BadRequestError, Client
from conftest import raw_list
from tests.support.server import Server
from tests.support.tenants import ApiClient

CUSTOMERS = 23
LIMIT = 4  # six pages, the last one short


@pytest.fixture
def customer_ids(client: Client) -> list[str]:
    """The ids of the account's customers, newest first (one is archived, so left out)."""
    made = [
        client.customers.create(name=f"Pager {number:02}", email=f"p{number}@example.com").id
        for number in range(CUSTOMERS + 1)
    ]
    client.customers.archive(made[5])
    return [customer_id for customer_id in reversed(made) if customer_id != made[5]]


def test_forward_iteration_equals_the_pages_read_by_hand(
    client: Client, server: Server, credentials: ApiClient, customer_ids: list[str]
) -> None:
    assert raw_list(server, credentials, "/customers", limit=LIMIT) == customer_ids
    assert [c.id for c in client.customers.list(limit=LIMIT)] == customer_ids
    assert [c.id for c in client.customers.list()] == customer_ids  # one page of 100

    pages = list(client.customers.list(limit=LIMIT).pages())
    assert [len(page.data) for page in pages] == [4, 4, 4, 4, 4, 3]
    assert [page.has_next_page for page in pages] == [True] * 5 + [False]
    first = client.customers.list(limit=LIMIT).first_page()
    assert [c.id for c in first.data] == customer_ids[:LIMIT]
    assert first.start_cursor
    assert first.end_cursor


def test_backward_iteration_is_the_same_list_oldest_first(
    client: Client, customer_ids: list[str]
) -> None:
    backward = [c.id for c in client.customers.list(limit=LIMIT, reverse=True)]
    assert backward == list(reversed(customer_ids))

    # From a cursor: everything newer than the item it names, nearest first, through `before`.
    cursor = next(iter(client.customers.list(limit=LIMIT).pages())).end_cursor
    pages = list(client.customers.list(limit=3, before=cursor).pages())
    assert [c.id for page in pages for c in reversed(page.data)] == list(
        reversed(customer_ids[: LIMIT - 1])
    )
    assert [c.id for c in client.customers.list(limit=3, before=cursor)] == list(
        reversed(customer_ids[: LIMIT - 1])
    )
    # Resuming forward from a cursor.
    after = [c.id for c in client.customers.list(limit=LIMIT, after=cursor)]
    assert after == customer_ids[LIMIT:]


def test_users_iterate_across_pages(client: Client, server: Server, credentials: ApiClient) -> None:
    customer = client.customers.create(name="Many Users", email="m@example.com")
    for number in range(7):
        client.customers.users.create(
            customer.id, email=f"u{number}@example.com", first_name="U", last_name=str(number)
        )
    by_hand = raw_list(server, credentials, f"/customers/{customer.id}/users", limit=2)
    assert len(by_hand) == 7
    assert [u.id for u in client.customers.users.list(customer.id, limit=2)] == by_hand
    backward = client.customers.users.list(customer.id, limit=2, reverse=True)
    assert [u.id for u in backward] == list(reversed(by_hand))


def test_a_bad_cursor_is_an_error(client: Client) -> None:
    with pytest.raises(BadRequestError) as refused:
        list(client.customers.list(after="not-a-cursor"))
    assert refused.value.code == "invalid_cursor"


def test_the_async_client_iterates_the_same(
    server: Server, credentials: ApiClient, customer_ids: list[str]
) -> None:
    async def walk() -> tuple[list[str], list[str], list[int], list[str]]:
        async with AsyncClient(
            server.base_url, credentials.client_id, credentials.client_secret
        ) as client:
            forward = [c.id async for c in client.customers.list(limit=LIMIT)]
            backward = [c.id async for c in client.customers.list(limit=LIMIT, reverse=True)]
            sizes = [len(p.data) async for p in client.customers.list(limit=LIMIT).pages()]
            first = await client.customers.list(limit=LIMIT).first_page()
            return forward, backward, sizes, [c.id for c in first.data]

    forward, backward, sizes, first = asyncio.run(walk())
    assert forward == customer_ids
    assert backward == list(reversed(customer_ids))
    assert sizes == [4, 4, 4, 4, 4, 3]
    assert first == customer_ids[:LIMIT]
