"""The access token: cached, renewed shortly before it expires, and once on a 401."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from altpay_client import AuthenticationError, Client
from conftest import Recorder, altpay_cli, start_server
from loopback_proxy import LossyProxy
from tests.support.server import Server
from tests.support.tenants import provision

LIFETIME = 3  # seconds (ALTPAY_TOKEN_LIFETIME)


@pytest.fixture(scope="module")
def short_tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(
        tmp_path_factory.mktemp("short-tokens"), ALTPAY_TOKEN_LIFETIME=str(LIFETIME)
    )
    yield running
    running.stop()


def test_one_token_serves_many_calls(recorded: Client, recorder: Recorder) -> None:
    for _ in range(5):
        recorded.customers.list().first_page()
    assert recorder.requests.count("POST /oauth/token") == 1
    assert recorder.requests.count("GET /customers") == 5


def test_a_short_lived_token_is_renewed_before_it_expires(
    short_tokens: Server, recorder: Recorder
) -> None:
    (credentials,) = provision(short_tokens.database_url)
    with Client(
        short_tokens.base_url,
        credentials.client_id,
        credentials.client_secret,
        http_client=recorder.http_client(),
    ) as client:
        deadline = time.monotonic() + 2.2 * LIFETIME
        calls = 0
        while time.monotonic() < deadline:
            client.customers.list().first_page()
            calls += 1
            time.sleep(0.1)
    assert recorder.statuses("GET /customers") == [200] * calls  # never a 401
    assert recorder.requests.count("POST /oauth/token") >= 3


def test_a_revoked_token_is_replaced_once(tmp_path: Path, recorder: Recorder) -> None:
    """The server restarts under another token issuer: every token it gave is refused (401)
    though unexpired; the client fetches a new one and the call succeeds."""
    first = start_server(tmp_path, ALTPAY_TOKEN_ISSUER="altpay-1")
    try:
        (credentials,) = provision(first.database_url)
        with LossyProxy(first.port) as proxy:
            client = Client(
                proxy.base_url,
                credentials.client_id,
                credentials.client_secret,
                http_client=recorder.http_client(),
            )
            created = client.customers.create(name="Before", email="b@example.com")
            first.stop()
            second = start_server(tmp_path, ALTPAY_TOKEN_ISSUER="altpay-2")
            try:
                proxy.upstream_port = second.port
                assert client.customers.get(created.id) == created
                client.close()
            finally:
                second.stop()
    finally:
        first.stop()
    assert recorder.statuses(f"GET /customers/{created.id}") == [401, 200]
    assert recorder.requests.count("POST /oauth/token") == 2


def test_a_disabled_client_fails_after_one_renewal(
    recorded: Client, recorder: Recorder, server: Server
) -> None:
    recorded.customers.list().first_page()
    altpay_cli(server, "clients", "disable", recorded.client_id)
    with pytest.raises(AuthenticationError) as refused:
        recorded.customers.list().first_page()
    assert refused.value.status == 401
    assert refused.value.code == "invalid_client"
    assert recorder.statuses("GET /customers") == [200, 401]
    assert recorder.statuses("POST /oauth/token") == [200, 401]
