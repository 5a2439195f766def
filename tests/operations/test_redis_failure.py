"""When the shared rate-limit store fails, the service fails open, fast, and says so.

One ``altpay serve`` counts in a private ``redis-server``; the test then stops that Redis
(terminated, or frozen with SIGSTOP so that it accepts connections and never answers).
Requests keep succeeding without waiting on Redis for long, every failed check is counted
in ``altpay_rate_limit_store_errors_total``, and a Redis that comes back is used again.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.operations.conftest import (
    RedisServer,
    Server,
    bearer,
    in_one_window,
    metric_samples,
    private_redis,
    provision,
    server_env,
    serving,
    sqlite_database,
)

RATE = 2
# Normal requests take milliseconds; a failed rate check may cost the store's timeout
# (0.25 s), never the seconds a retrying client would wait.
SLOWEST_ACCEPTABLE = 0.75
STORE_ERRORS = "altpay_rate_limit_store_errors_total"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with private_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def server(tmp_path: Path, redis: RedisServer) -> Iterator[Server]:
    url = sqlite_database(tmp_path / "db")
    env = server_env(
        tmp_path / "server", url, ALTPAY_RATE_LIMIT=str(RATE), ALTPAY_REDIS_URL=redis.url
    )
    with serving(env) as (started,):
        yield started


def _timed(api: httpx.Client, count: int) -> list[tuple[int, float]]:
    """``count`` requests in a row (more than the budget): each one's status and duration."""
    outcomes = []
    for _ in range(count):
        started = time.monotonic()
        reply = api.get("/customers")
        outcomes.append((reply.status_code, time.monotonic() - started))
    return outcomes


def _store_errors(server: Server) -> float:
    reply = httpx.get(f"{server.base_url}/metrics", timeout=10)
    assert reply.status_code == 200, reply.text
    samples = metric_samples(reply.text, STORE_ERRORS)
    assert len(samples) == 1, reply.text
    return samples[0][1]


def _assert_limit_applies(api: httpx.Client) -> None:
    replies = in_one_window(lambda: [api.get("/customers") for _ in range(RATE + 1)])
    assert [reply.status_code for reply in replies] == [200, 200, 429]


def test_a_stopped_redis_lets_requests_through_quickly_and_is_counted(
    redis: RedisServer, server: Server
) -> None:
    (client,) = provision(server.database_url)
    headers = bearer(server, client)

    with server.client(headers=headers) as api:
        _assert_limit_applies(api)  # Redis counts, and enforces
        assert _store_errors(server) == 0

        redis.stop()
        assert not redis.answers()
        outcomes = _timed(api, 3 * RATE)
        token = bearer(server, client)  # the token endpoint fails open too

    assert [status for status, _ in outcomes] == [200] * (3 * RATE), outcomes
    assert max(seconds for _, seconds in outcomes) < SLOWEST_ACCEPTABLE, outcomes
    assert token
    # One failed check per API request, and at least one for the token request.
    assert _store_errors(server) >= 3 * RATE + 1
    log = server.stderr()
    assert "rate-limit store unreachable" in log
    assert "Traceback" not in log


def test_a_hung_redis_costs_at_most_its_timeout_and_is_used_again_when_it_answers(
    redis: RedisServer, server: Server
) -> None:
    (client,) = provision(server.database_url)
    headers = bearer(server, client)

    with server.client(headers=headers) as api:
        _assert_limit_applies(api)

        redis.process.send_signal(signal.SIGSTOP)  # accepts connections, answers nothing
        try:
            outcomes = _timed(api, 2 * RATE)
        finally:
            redis.process.send_signal(signal.SIGCONT)
        errors = _store_errors(server)

        assert [status for status, _ in outcomes] == [200] * (2 * RATE), outcomes
        assert max(seconds for _, seconds in outcomes) < SLOWEST_ACCEPTABLE, outcomes
        assert errors >= 2 * RATE

        # Redis is back: the shared count is used again, with no restart.
        assert redis.answers()
        _assert_limit_applies(api)
    assert _store_errors(server) == errors
