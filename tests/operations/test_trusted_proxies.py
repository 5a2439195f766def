"""``ALTPAY_TRUSTED_PROXIES``: whose ``X-Forwarded-For`` names the client's address.

The token endpoint limits requests per client id and per source address
(``ALTPAY_RATE_LIMIT=1`` here). Behind a trusted proxy (the loopback peer, as a CIDR) each
forwarded address has its own budget; from a peer that is not trusted the header is
ignored, and every request spends the one budget of the peer's address. Each request below
uses a different client id, so that the per-client limit never interferes.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.cli import ALTPAY
from tests.support.server import TIMEOUT, Server, in_one_window, request_token, server_env, serving
from tests.support.sqlite import sqlite_database
from tests.support.tenants import ApiClient, provision


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    home = tmp_path_factory.mktemp("proxies")
    url = sqlite_database(home / "db")
    envs = [
        server_env(
            home / "trusting",
            url,
            ALTPAY_RATE_LIMIT="1",
            ALTPAY_TRUSTED_PROXIES=json.dumps(["127.0.0.0/8"]),
        ),
        server_env(home / "plain", url, ALTPAY_RATE_LIMIT="1"),
    ]
    with serving(*envs) as (trusting, plain):
        yield {"trusting": trusting, "plain": plain}


def _token(server: Server, client: ApiClient, forwarded_for: str) -> httpx.Response:
    return request_token(server.base_url, client, {"X-Forwarded-For": forwarded_for})


def _statuses(replies: list[httpx.Response]) -> list[int]:
    return [reply.status_code for reply in replies]


def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_budget(
    servers: dict[str, Server],
) -> None:
    server = servers["trusting"]
    first, second, third = provision(server.database_url, clients=3)

    replies = in_one_window(
        lambda: [
            _token(server, first, "203.0.113.1"),
            _token(server, second, "203.0.113.2"),
            _token(server, third, "203.0.113.1"),  # a new client id, a spent address
        ]
    )

    assert _statuses(replies) == [200, 200, 429], [reply.text for reply in replies]
    assert replies[2].json()["error"] == "rate_limited"
    assert replies[2].headers["Retry-After"] == "1"


def test_from_an_untrusted_peer_x_forwarded_for_is_ignored(servers: dict[str, Server]) -> None:
    server = servers["plain"]
    first, second = provision(server.database_url, clients=2)

    replies = in_one_window(
        lambda: [
            _token(server, first, "203.0.113.1"),
            _token(server, second, "203.0.113.2"),  # the peer's budget, already spent
        ]
    )

    assert _statuses(replies) == [200, 429], [reply.text for reply in replies]
    assert replies[1].json()["error"] == "rate_limited"


def test_metrics_go_only_to_a_loopback_client_not_to_one_a_proxy_forwards(
    servers: dict[str, Server],
) -> None:
    outsider = {"X-Forwarded-For": "203.0.113.9"}

    def scrape(server: Server, headers: dict[str, str]) -> int:
        reply = httpx.get(f"{server.base_url}/metrics", headers=headers, timeout=TIMEOUT)
        return reply.status_code

    # Through the trusted proxy the client is 203.0.113.9, not loopback.
    assert scrape(servers["trusting"], outsider) == 404
    assert scrape(servers["trusting"], {}) == 200
    # Not trusted: the header means nothing, the peer is loopback.
    assert scrape(servers["plain"], outsider) == 200


def test_a_plainly_written_proxy_list_is_accepted_or_refused_as_bad_usage(tmp_path: Path) -> None:
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'altpay.db'}")
    env["ALTPAY_TRUSTED_PROXIES"] = "127.0.0.1"

    outcome = subprocess.run(
        [ALTPAY, "db", "current"], env=env, capture_output=True, text=True, timeout=60
    )

    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.returncode in (0, 2), outcome.stderr
