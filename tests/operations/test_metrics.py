"""``GET /metrics`` of a real server: what it shows, to whom, and across worker processes.

Without ``ALTPAY_METRICS_TOKEN`` it answers loopback clients (the tests are one); with a
token only the right bearer gets it — a loopback client without it gets the same 404
HttpError as any unknown path. With ``--workers 2`` every scrape, whichever worker answers
it, shows the requests of both workers.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.support.errors import assert_http_error
from tests.support.server import (
    TIMEOUT,
    Server,
    bearer,
    in_one_window,
    metric_samples,
    server_env,
    serving,
    wait_for_workers,
)
from tests.support.sqlite import sqlite_database
from tests.support.tenants import provision

METRICS_TOKEN = "metrics-token-0123456789abcdef"
REQUESTS = "altpay_requests_total"


def _scrape(server: Server, headers: dict[str, str] | None = None) -> httpx.Response:
    # A new connection each time: with several workers, any of them may answer.
    return httpx.get(f"{server.base_url}/metrics", headers=headers or {}, timeout=TIMEOUT)


def _value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    return sum(
        value
        for sample_labels, value in metric_samples(text, name)
        if labels.items() <= sample_labels.items()
    )


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return sqlite_database(tmp_path / "db")


def test_loopback_scrape_shows_requests_latency_pool_and_rejections(
    tmp_path: Path, database_url: str
) -> None:
    env = server_env(tmp_path / "server", database_url, ALTPAY_RATE_LIMIT="2")
    with serving(env) as (server,):
        (client,) = provision(database_url)
        with server.client(headers=bearer(server, client)) as api:
            replies = in_one_window(lambda: [api.get("/customers") for _ in range(3)])
        assert [reply.status_code for reply in replies] == [200, 200, 429]

        scraped = _scrape(server)

    assert scraped.status_code == 200, scraped.text
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert 'route="/customers"' in text
    # At least one window's worth (an attempt that was too slow is retried, and counted).
    served = _value(text, REQUESTS, method="GET", route="/customers", status="200")
    refused = _value(text, REQUESTS, method="GET", route="/customers", status="429")
    assert served >= 2
    assert refused >= 1
    latency = "altpay_request_duration_seconds"
    timed = {"method": "GET", "route": "/customers"}
    assert _value(text, f"{latency}_count", **timed) == served + refused
    assert _value(text, f"{latency}_bucket", **timed, le="+Inf") == served + refused
    assert _value(text, f"{latency}_sum", **timed) > 0
    assert metric_samples(text, "altpay_db_pool_connections_in_use")
    assert _value(text, "altpay_rate_limit_rejections_total", scope="api") == refused
    # Route templates only: no concrete path or query ever becomes a label.
    routes = {labels["route"] for labels, _ in metric_samples(text, REQUESTS)}
    assert routes <= {"/healthz", "/oauth/token", "/customers", "/metrics"}, routes


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("token-mode")
    url = sqlite_database(home / "db")
    env = server_env(home / "server", url, ALTPAY_METRICS_TOKEN=METRICS_TOKEN)
    with serving(env) as (server,):
        yield server


def test_with_a_metrics_token_only_its_bearer_gets_the_metrics(token_server: Server) -> None:
    server = token_server
    (client,) = provision(server.database_url)
    api_token = bearer(server, client)
    refusals = {
        "no credentials (from loopback)": _scrape(server),
        "a wrong token": _scrape(server, {"Authorization": "Bearer wrong-token"}),
        "the token without its scheme": _scrape(server, {"Authorization": METRICS_TOKEN}),
        "an API access token": _scrape(server, api_token),
        "the token as Basic": _scrape(server, {"Authorization": f"Basic {METRICS_TOKEN}"}),
    }
    unknown_path = httpx.get(f"{server.base_url}/nowhere", timeout=TIMEOUT)
    allowed = _scrape(server, {"Authorization": f"Bearer {METRICS_TOKEN}"})

    # Refused exactly as an unknown path is: nothing tells that /metrics exists.
    assert_http_error(unknown_path, 404, "not_found")
    for what, reply in refusals.items():
        assert reply.status_code == 404, (what, reply.text)
        assert reply.json() == unknown_path.json(), what
    assert allowed.status_code == 200, allowed.text
    assert REQUESTS in allowed.text


def test_a_non_ascii_authorization_is_refused_like_any_wrong_token(token_server: Server) -> None:
    reply = _scrape(token_server, {"Authorization": b"Bearer t\xe9l\xe9"})

    assert reply.status_code == 404, reply.text


def _worker_files(metrics_root: Path) -> list[Path]:
    """The counter files the workers write, one per process (a replaced worker's too)."""
    return sorted(metrics_root.glob("altpay-metrics-*/counter_*.db"))


def _served_by(counter_file: Path, scratch: Path) -> float:
    """The 401s on /customers one worker counted, read from its own file alone."""
    scratch.mkdir(exist_ok=True)
    copy = scratch / counter_file.name
    shutil.copyfile(counter_file, copy)
    return sum(
        sample.value
        for family in MultiProcessCollector.merge([str(copy)])
        for sample in family.samples
        if sample.name == REQUESTS
        and sample.labels.get("route") == "/customers"
        and sample.labels.get("status") == "401"
    )


async def _unauthenticated_burst(server: Server, count: int) -> None:
    """``count`` requests at once, each on a new connection: any worker may accept them."""
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    async with httpx.AsyncClient(
        base_url=server.base_url, limits=limits, timeout=TIMEOUT
    ) as client:
        replies = await asyncio.gather(*(client.get("/customers") for _ in range(count)))
    assert {reply.status_code for reply in replies} == {401}


def test_every_scrape_shows_the_requests_of_both_workers(tmp_path: Path, database_url: str) -> None:
    metrics_root = tmp_path / "tmp"  # where `altpay serve` makes its metrics directory
    metrics_root.mkdir()
    env = server_env(tmp_path / "server", database_url, TMPDIR=str(metrics_root))
    burst, sent = 20, 0
    with serving(env, workers=2) as (server,):
        wait_for_workers(server, 2)
        # Bursts until two workers have answered some (bounded): then a scrape that showed
        # one worker's count alone would be short.
        for _ in range(10):
            asyncio.run(_unauthenticated_burst(server, burst))
            sent += burst
            per_process = [
                _served_by(file, tmp_path / "scratch") for file in _worker_files(metrics_root)
            ]
            if len([count for count in per_process if count]) >= 2:
                break
        assert len([count for count in per_process if count]) >= 2, per_process
        assert sum(per_process) == sent

        scrapes = [_scrape(server) for _ in range(6)]
        returncode = server.stop()

    for scrape in scrapes:
        assert scrape.status_code == 200, scrape.text
        assert _value(scrape.text, REQUESTS, route="/customers", status="401") == sent
        assert metric_samples(scrape.text, "altpay_db_pool_connections_in_use")
    assert returncode == 0, server.stderr()
    assert not list(metrics_root.glob("altpay-metrics-*")), "metrics directory left behind"
    # The supervisor of the workers logs, as JSON, like the workers themselves.
    assert any(message.startswith("Started parent process") for message in server.log_messages())
