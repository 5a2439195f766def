"""Delivery through real processes: ``altpay serve`` (which delivers in development) or
``altpay worker``, posting to a receiver on 127.0.0.1 that the test starts."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.support import postgres
from tests.support.cli import Cli
from tests.support.receiver import Answer, Delivery, receiving
from tests.support.server import Server, bearer, metric_samples, server_env, working
from tests.support.sqlite import sqlite_database
from tests.support.tenants import ApiClient, provision

CUSTOMER = {
    "name": "Hooked Corp",
    "email": "billing@hooked.example",
    "street_address": "1 Market St",
    "city": "San Francisco",
    "state": "CA",
    "postal_code": "94105",
    "country": "USA",
}
# Quick retries, a short receiver timeout: the schedule's shape, in seconds rather than hours.
FAST_RETRIES = {"ALTPAY_WEBHOOK_TIMEOUT": "1", "ALTPAY_WEBHOOK_FIRST_RETRY": "0.2"}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_database(tmp_path / "db")
        return
    with postgres.migrated_database("altpay_delivery") as url:
        yield url


class Api:
    """One account's calls to a served altpay."""

    def __init__(self, server: Server, client: ApiClient) -> None:
        self.http = server.client(headers=bearer(server, client))

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def subscribe(self, url: str, topic: str, **extra: str) -> dict[str, Any]:
        reply = self.http.post("/webhooks", json={"endpoint_url": url, "topic": topic, **extra})
        assert reply.status_code == 201, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def create_customer(self, **fields: str) -> dict[str, Any]:
        reply = self.http.post("/customers", json={**CUSTOMER, **fields})
        assert reply.status_code == 201, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def events(self) -> list[dict[str, Any]]:
        reply = self.http.get("/webhooks/events", params={"limit": 100})
        assert reply.status_code == 200, reply.text
        return list(reversed(reply.json()["data"]))


def _served(tmp_path: Path, database_url: str, **settings: str) -> tuple[Server, ApiClient]:
    (client,) = provision(database_url)
    return Server.start(server_env(tmp_path / "server", database_url, **settings)), client


def test_serve_delivers_signed_events_in_commit_order(tmp_path: Path, database_url: str) -> None:
    server, client = _served(tmp_path, database_url)
    with ExitStack() as stack, receiving() as receiver, server:
        api = stack.enter_context(Api(server, client))
        created = api.subscribe(receiver.url(), "customer_created")
        api.subscribe(receiver.url(), "customer_updated")
        customer = api.create_customer()
        patched = api.http.patch(f"/customers/{customer['id']}", json={"legal_name": "Hooked"})
        first, second = receiver.wait_for(2)
        events = _wait_for_events(api, lambda listed: _all_recorded(listed, 2))
        metrics = httpx.get(f"{server.base_url}/metrics").text

    assert [first.event["topic"], second.event["topic"]] == ["customer_created", "customer_updated"]
    assert first.event["data"] == customer
    assert second.event["data"] == patched.json()
    assert set(first.event) == {"id", "topic", "created_at", "data"}
    assert first.headers["authorization"] == f"Bearer {created['secret_key']}"
    assert first.headers["content-type"] == "application/json"
    Webhook(created["secret_key"]).verify(first.body, first.headers)
    assert [(e["status"], e["attempts"], e["last_response_status"]) for e in events] == [
        ("delivered", 1, 200),
        ("delivered", 1, 200),
    ]
    assert metric_samples(metrics, "altpay_webhook_events_delivered_total") == [({}, 2.0)]
    attempts = [line for line in server.stderr().splitlines() if "webhook delivery attempt" in line]
    assert len(attempts) == 2
    assert created["secret_key"] not in server.output()
    assert "Hooked Corp" not in "".join(attempts)


def test_signatures_fail_for_an_altered_body_an_old_timestamp_or_another_secret(
    tmp_path: Path,
) -> None:
    database_url = sqlite_database(tmp_path / "db")
    server, client = _served(tmp_path, database_url)
    chosen = "my own signing secret"
    with ExitStack() as stack, receiving() as receiver, server:
        api = stack.enter_context(Api(server, client))
        api.subscribe(receiver.url(), "customer_created", secret_key=chosen)
        api.create_customer()
        (delivery,) = receiver.wait_for(1)

    # A secret of the integrator's own (not whsec_…) is keyed by its UTF-8 bytes.
    verifier = Webhook(chosen.encode())
    verifier.verify(delivery.body, delivery.headers)
    altered = delivery.body.replace("Hooked Corp", "Hooked Inc")
    old = str(int((datetime.now(UTC) - timedelta(minutes=10)).timestamp()))
    other = Webhook(base64.b64encode(b"another secret").decode())
    with pytest.raises(WebhookVerificationError):
        verifier.verify(altered, delivery.headers)
    with pytest.raises(WebhookVerificationError):
        verifier.verify(delivery.body, {**delivery.headers, "webhook-timestamp": old})
    with pytest.raises(WebhookVerificationError):
        other.verify(delivery.body, delivery.headers)


def _failing_twice(_delivery: Delivery, number: int) -> Answer:
    """500, then too late for the sender's timeout (1 s), then delivered."""
    return {1: Answer(500), 2: Answer(500, delay=2.0)}.get(number, Answer(200))


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(
    tmp_path: Path, database_url: str
) -> None:
    server, client = _served(tmp_path, database_url, **FAST_RETRIES)
    with ExitStack() as stack, receiving(_failing_twice) as receiver, server:
        api = stack.enter_context(Api(server, client))
        api.subscribe(receiver.url(), "customer_created")
        api.create_customer()
        receiver.wait_for(1)
        event = _wait_for_event(api, lambda event: event["status"] != "pending")

    assert (event["status"], event["attempts"], event["last_response_status"]) == (
        "delivered",
        3,
        200,
    )
    assert event["next_attempt_at"] is None


def test_an_event_is_failed_once_its_retry_window_has_passed(tmp_path: Path) -> None:
    database_url = sqlite_database(tmp_path / "db")
    settings = {**FAST_RETRIES, "ALTPAY_WEBHOOK_RETRY_WINDOW": "1.5"}
    server, client = _served(tmp_path, database_url, **settings)
    with (
        ExitStack() as stack,
        receiving(lambda _delivery, _number: Answer(503)) as receiver,
        server,
    ):
        api = stack.enter_context(Api(server, client))
        api.subscribe(receiver.url(), "customer_created")
        api.create_customer()
        event = _wait_for_event(api, lambda event: event["status"] == "failed")
        attempts = receiver.attempts()

    assert event["attempts"] >= 2
    assert event["attempts"] == attempts
    assert (event["last_response_status"], event["next_attempt_at"]) == (503, None)


def _all_recorded(listed: list[dict[str, Any]], count: int) -> bool:
    return len(listed) == count and all(event["status"] != "pending" for event in listed)


def _wait_for_events(api: Api, done: Any, timeout: float = 20.0) -> list[dict[str, Any]]:
    """The account's events (oldest first) once ``done`` says they got there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = api.events()
        if listed and done(listed):
            return listed
        time.sleep(0.05)
    raise AssertionError(f"the events did not get there: {api.events()}")


def _wait_for_event(api: Api, done: Any) -> dict[str, Any]:
    """The account's one event once ``done`` holds for it."""
    (event,) = _wait_for_events(api, lambda listed: done(listed[0]))
    return event


def test_deleting_a_subscription_stops_its_deliveries(tmp_path: Path, database_url: str) -> None:
    server, client = _served(tmp_path, database_url, **FAST_RETRIES)
    with (
        ExitStack() as stack,
        receiving(lambda _delivery, _number: Answer(500)) as receiver,
        server,
    ):
        api = stack.enter_context(Api(server, client))
        subscription = api.subscribe(receiver.url(), "customer_created")
        api.create_customer()
        _wait_for_event(api, lambda event: event["attempts"] >= 1)
        assert api.http.delete(f"/webhooks/{subscription['id']}").status_code == 200
        api.create_customer(name="After the delete")
        event = _wait_for_event(api, lambda event: event["status"] == "failed")
        tried = receiver.attempts()
        receiver.wait_for(1, timeout=2.0)  # time for any delivery that should not come

    assert event["status"] == "failed"
    assert receiver.attempts() == tried
    assert all(d.event["data"]["name"] != "After the delete" for d in receiver.deliveries)


def test_the_delivery_time_check_refuses_a_name_that_now_resolves_to_loopback(
    tmp_path: Path,
) -> None:
    """Subscribed in development, where loopback is allowed; a production worker checks the
    name again and posts nothing (it resolves to a non-public address)."""
    database_url = sqlite_database(tmp_path / "db")
    quiet = {"ALTPAY_SERVE_DELIVERS_WEBHOOKS": "false"}
    server, client = _served(tmp_path, database_url, **quiet)
    with ExitStack() as stack, receiving() as receiver, server:
        api = stack.enter_context(Api(server, client))
        api.subscribe(f"http://localhost:{receiver.port}/hooks", "customer_created")
        api.create_customer()
        production = {**server.env, "ALTPAY_ENV": "production", **FAST_RETRIES}
        with working(production):
            event = _wait_for_event(api, lambda event: event["attempts"] >= 2)

    assert receiver.attempts() == 0
    assert (event["status"], event["last_response_status"]) == ("pending", None)
    log = (tmp_path / "server" / "worker.err").read_text()
    assert "refused endpoint" in log


def test_webhooks_trigger_sends_a_real_event_in_the_sandbox_only(tmp_path: Path) -> None:
    database_url = sqlite_database(tmp_path / "db")
    server, client = _served(tmp_path, database_url)
    with ExitStack() as stack, receiving() as receiver, server:
        api = stack.enter_context(Api(server, client))
        api.subscribe(receiver.url(), "customer_updated")
        customer = api.create_customer()
        cli = Cli(server.env)
        triggered = cli("webhooks", "trigger", "customer_updated", "--customer", customer["id"])
        (delivery,) = receiver.wait_for(1)
        refused = cli(
            "webhooks",
            "trigger",
            "customer_updated",
            "--customer",
            customer["id"],
            ALTPAY_ENV="production",
        )
        unknown = cli("webhooks", "trigger", "customer_updated", "--customer", "cus_nobody")

    assert triggered.status == 0, triggered.stderr
    assert delivery.event["data"] == customer
    assert refused.status == 2
    assert "sandbox" in refused.stderr
    assert unknown.status == 1
    assert json.loads(delivery.body)["topic"] == "customer_updated"
