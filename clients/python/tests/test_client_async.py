"""The AsyncClient: every method, against a real server."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from altpay_client import AsyncClient, NotFoundError, ValidationError
from conftest import altpay_cli, raw_list
from loopback_proxy import LossyProxy
from tests.support.server import Server
from tests.support.tenants import ApiClient


def test_every_async_method(server: Server, credentials: ApiClient) -> None:
    async def scenario() -> None:
        async with AsyncClient(
            server.base_url, credentials.client_id, credentials.client_secret
        ) as client:
            created = await client.customers.create(name="Async Co", email="a@async.example")
            assert await client.customers.get(created.id) == created
            patched = await client.customers.update(created.id, legal_name="Async Company")
            assert patched.legal_name == "Async Company"
            assert (await client.customers.archive(created.id)).archived_at
            assert (await client.customers.restore(created.id)).archived_at == ""
            assert [c.id async for c in client.customers.list()] == [created.id]

            user = await client.customers.users.create(
                created.id, email="ana@async.example", first_name="Ana", last_name="Lopez"
            )
            assert [u.id async for u in client.customers.users.list(created.id)] == [user.id]

            added = json.loads(
                altpay_cli(
                    server,
                    *("payment-methods", "add", "--customer", created.id, "--type", "ach"),
                    *("--brand", "Chase", "--last4", "6789", "--json"),
                )
            )
            methods = await client.customers.payment_methods.list(created.id)
            assert [m.id for m in methods] == [added["id"]]
            method = await client.customers.payment_methods.get(created.id, added["id"])
            assert (method.type, method.brand, method.exp_month) == ("ach", "Chase", "")

            with pytest.raises(NotFoundError):
                await client.customers.get("cus_missing")
            with pytest.raises(ValidationError) as invalid:
                await client.customers.users.create(
                    created.id, email="bad", first_name="B", last_name="C"
                )
            assert "email" in invalid.value.validation_errors

    asyncio.run(scenario())


def test_concurrent_calls_share_one_token(server: Server, credentials: ApiClient) -> None:
    async def scenario() -> int:
        tokens = 0

        async def count(request: httpx.Request) -> None:
            nonlocal tokens
            tokens += request.url.path == "/oauth/token"

        http = httpx.AsyncClient(timeout=15, event_hooks={"request": [count]})
        async with (
            http,
            AsyncClient(
                server.base_url, credentials.client_id, credentials.client_secret, http_client=http
            ) as client,
        ):
            await asyncio.gather(*(client.customers.list().first_page() for _ in range(8)))
        return tokens

    assert asyncio.run(scenario()) == 1


def test_an_async_post_whose_answer_is_lost_creates_one_customer(
    server: Server, credentials: ApiClient
) -> None:
    async def scenario(base_url: str) -> str:
        async with AsyncClient(base_url, credentials.client_id, credentials.client_secret) as c:
            return (await c.customers.create(name="Once", email="o@example.com")).id

    with LossyProxy(server.port) as proxy:
        proxy.drop_answer_to = b"POST /customers "
        created = asyncio.run(scenario(proxy.base_url))
        assert proxy.dropped == ["POST /customers HTTP/1.1"]
    assert raw_list(server, credentials, "/customers") == [created]


def test_the_async_client_renews_a_refused_token(server: Server, credentials: ApiClient) -> None:
    async def scenario() -> list[tuple[str, int]]:
        seen: list[tuple[str, int]] = []

        async def note(response: httpx.Response) -> None:
            seen.append((response.request.url.path, response.status_code))

        http = httpx.AsyncClient(timeout=15, event_hooks={"response": [note]})
        async with (
            http,
            AsyncClient(
                server.base_url, credentials.client_id, credentials.client_secret, http_client=http
            ) as client,
        ):
            await client.customers.list().first_page()
            assert client.token is not None
            client.token.access_token += "x"  # as good as revoked: its signature fails
            await client.customers.list().first_page()
        return seen

    assert asyncio.run(scenario()) == [
        ("/oauth/token", 200),
        ("/customers", 200),
        ("/customers", 401),
        ("/oauth/token", 200),
        ("/customers", 200),
    ]
