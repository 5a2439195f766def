"""When the shared rate-limit store fails, the service fails open, fast, and says so.

One ``altpay serve`` counts in a private ``redis-server``. The test freezes that Redis
(SIGSTOP: it accepts connections and never answers), thaws it, then terminates it. While
Redis is unusable, requests beyond the budget keep succeeding without waiting on Redis for
long, and every failed check is counted in ``altpay_rate_limit_store_errors_total`` (seen
on ``/metrics`` from loopback); a Redis that answers again is used again.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx

from tests.support.redis import private_redis
from tests.support.server import Server, bearer, in_one_window, metric_samples, server_env, serving
from tests.support.sqlite import sqlite_database
from tests.support.tenants import provision

RATE = 2
# Normal requests take milliseconds; a failed rate check may cost the store's timeout
# (0.25 s), never the seconds a retrying client would wait.
SLOWEST_ACCEPTABLE = 0.75
STORE_ERRORS = "altpay_rate_limit_store_errors_total"


def _timed(api: httpx.Client, count: int) -> list[tuple[int, float]]:
    """``count`` requests in a row (more than the budget): each one's status and duration."""
    outcomes = []
    for _ in range(count):
        started = time.monotonic()
        reply = api.get("/customers")
        outcomes.append((reply.status_code, time.monotonic() - started))
    return outcomes


def _assert_served_quickly(outcomes: list[tuple[int, float]]) -> None:
    assert [status for status, _ in outcomes] == [200] * len(outcomes), outcomes
    assert max(seconds for _, seconds in outcomes) < SLOWEST_ACCEPTABLE, outcomes


def _store_errors(server: Server) -> float:
    reply = httpx.get(f"{server.base_url}/metrics", timeout=10)
    assert reply.status_code == 200, reply.text
    samples = metric_samples(reply.text, STORE_ERRORS)
    assert len(samples) == 1, reply.text
    return samples[0][1]


def _assert_limit_applies(api: httpx.Client) -> None:
    replies = in_one_window(lambda: [api.get("/customers") for _ in range(RATE + 1)])
    assert [reply.status_code for reply in replies] == [200, 200, 429]


def test_a_failing_redis_lets_requests_through_quickly_and_is_counted(tmp_path: Path) -> None:
    url = sqlite_database(tmp_path / "db")
    (client,) = provision(url)
    with private_redis(tmp_path / "redis") as redis:
        env = server_env(
            tmp_path / "server", url, ALTPAY_RATE_LIMIT=str(RATE), ALTPAY_REDIS_URL=redis.url
        )
        with serving(env) as (server,), server.client(headers=bearer(server, client)) as api:
            _assert_limit_applies(api)  # Redis counts, and the limit holds
            assert _store_errors(server) == 0

            # Frozen: every check waits for the store's timeout, then lets the request in.
            redis.process.send_signal(signal.SIGSTOP)
            try:
                frozen = _timed(api, 2 * RATE)
            finally:
                redis.process.send_signal(signal.SIGCONT)
            _assert_served_quickly(frozen)
            after_freeze = _store_errors(server)
            assert after_freeze >= 2 * RATE

            # Thawed: the shared count is used again, without a restart of the server.
            assert redis.answers()
            _assert_limit_applies(api)
            assert _store_errors(server) == after_freeze

            # Gone: connections are refused, requests still go through, at once.
            redis.stop()
            assert not redis.answers()
            gone = _timed(api, 3 * RATE)
            token = bearer(server, client)  # the token endpoint fails open too
            _assert_served_quickly(gone)
            assert token
            # One failed check per API request, and at least one for the token request.
            assert _store_errors(server) >= after_freeze + 3 * RATE + 1

    log = server.stderr()
    assert "rate-limit store unreachable" in log
    assert "Traceback" not in log
