"""Rate limits shared through Redis by separate ``altpay serve`` processes.

Two servers on different ports share one PostgreSQL database and one private Redis: a
client's budget is one budget, wherever its requests land. Two other servers without Redis
are the control: each counts on its own. Both pairs trust the loopback peer as a proxy, so
that token requests can come "from" distinct addresses (``X-Forwarded-For``) and the
per-client-id limit of the token endpoint is seen apart from the per-address one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.errors import assert_http_error
from tests.support.redis import RedisServer, private_redis
from tests.support.server import Server, bearer, in_one_window, request_token, server_env, serving
from tests.support.tenants import ApiClient, provision

RATE = 2


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with private_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


def _env(home: Path, database_url: str, **extra: str) -> dict[str, str]:
    return server_env(
        home,
        database_url,
        ALTPAY_RATE_LIMIT=str(RATE),
        ALTPAY_TRUSTED_PROXIES=json.dumps(["127.0.0.1"]),
        **extra,
    )


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, redis: RedisServer
) -> Iterator[dict[str, tuple[Server, Server]]]:
    """Two servers sharing Redis ("shared"), two without it ("alone"); one database."""
    home = tmp_path_factory.mktemp("servers")
    shared = {"ALTPAY_REDIS_URL": redis.url}
    envs = [
        _env(home / "shared-a", postgres_url, **shared),
        _env(home / "shared-b", postgres_url, **shared),
        _env(home / "alone-a", postgres_url),
        _env(home / "alone-b", postgres_url),
    ]
    with serving(*envs) as (shared_a, shared_b, alone_a, alone_b):
        yield {"shared": (shared_a, shared_b), "alone": (alone_a, alone_b)}


def _statuses(replies: list[httpx.Response]) -> list[int]:
    return [reply.status_code for reply in replies]


def _assert_rate_limited(reply: httpx.Response) -> None:
    """The API's 429: an HttpError ``rate_limited`` with a whole-second ``Retry-After``."""
    assert_http_error(reply, 429, "rate_limited", validation_errors={})
    assert reply.headers["Retry-After"] == "1"


def test_a_client_that_spends_its_budget_on_one_server_is_refused_by_the_other(
    servers: dict[str, tuple[Server, Server]], postgres_url: str
) -> None:
    a, b = servers["shared"]
    (client,) = provision(postgres_url)
    headers = bearer(a, client)

    with a.client(headers=headers) as on_a, b.client(headers=headers) as on_b:

        def spend_on_a_then_ask_b() -> list[httpx.Response]:
            return [on_a.get("/customers"), on_a.get("/customers"), on_b.get("/customers")]

        replies = in_one_window(spend_on_a_then_ask_b)
        assert _statuses(replies) == [200, 200, 429], [r.text for r in replies]
        _assert_rate_limited(replies[2])

        # The budget comes back after Retry-After, on either server.
        after = in_one_window(lambda: [on_b.get("/customers"), on_a.get("/customers")])
        assert _statuses(after) == [200, 200]


def test_without_redis_each_server_counts_on_its_own(
    servers: dict[str, tuple[Server, Server]], postgres_url: str
) -> None:
    a, b = servers["alone"]
    (client,) = provision(postgres_url)
    headers = bearer(a, client)

    with a.client(headers=headers) as on_a, b.client(headers=headers) as on_b:
        replies = in_one_window(
            lambda: (
                [on_a.get("/customers") for _ in range(RATE)]
                + [on_b.get("/customers") for _ in range(RATE + 1)]
            )
        )

    # B has a budget of its own (two more requests), and enforces it on its own.
    assert _statuses(replies) == [200, 200, 200, 200, 429], [r.text for r in replies]
    _assert_rate_limited(replies[-1])


def _token(server: Server, client: ApiClient, address: str) -> httpx.Response:
    return request_token(server.base_url, client, {"X-Forwarded-For": address})


def _assert_token_rate_limited(reply: httpx.Response) -> None:
    """The token endpoint answers in RFC 6749's format, with the same ``Retry-After``."""
    assert reply.status_code == 429, reply.text
    assert reply.json()["error"] == "rate_limited", reply.text
    assert reply.headers["Retry-After"] == "1"


def test_the_token_budget_of_a_client_id_is_shared(
    servers: dict[str, tuple[Server, Server]], postgres_url: str
) -> None:
    a, b = servers["shared"]
    spender, other = provision(postgres_url, clients=2)

    # Every request from its own address: only the per-client-id limit can refuse.
    replies = in_one_window(
        lambda: [
            _token(a, spender, "198.51.100.1"),
            _token(a, spender, "198.51.100.2"),
            _token(b, spender, "198.51.100.3"),
            _token(b, other, "198.51.100.4"),
        ]
    )

    assert _statuses(replies) == [200, 200, 429, 200], [r.text for r in replies]
    _assert_token_rate_limited(replies[2])


def test_without_redis_the_token_budget_is_per_server(
    servers: dict[str, tuple[Server, Server]], postgres_url: str
) -> None:
    a, b = servers["alone"]
    (spender,) = provision(postgres_url)

    replies = in_one_window(
        lambda: (
            [_token(a, spender, f"198.51.100.{n}") for n in (11, 12)]
            + [_token(b, spender, f"198.51.100.{n}") for n in (13, 14, 15)]
        )
    )

    assert _statuses(replies) == [200, 200, 200, 200, 429], [r.text for r in replies]
    _assert_token_rate_limited(replies[-1])


def test_the_token_budget_of_an_address_is_shared(
    servers: dict[str, tuple[Server, Server]], postgres_url: str
) -> None:
    a, b = servers["shared"]
    first, second, third = provision(postgres_url, clients=3)

    # Different client ids from one address: only the per-address limit can refuse.
    replies = in_one_window(
        lambda: [
            _token(a, first, "192.0.2.7"),
            _token(a, second, "192.0.2.7"),
            _token(b, third, "192.0.2.7"),
        ]
    )

    assert _statuses(replies) == [200, 200, 429], [r.text for r in replies]
    _assert_token_rate_limited(replies[2])
