"""The AsyncClient: every method, against a real server."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from altpay_client import AsyncClient, NotFoundError, ValidationError
from conftest import altpay_cli
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
