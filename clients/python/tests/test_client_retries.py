"""Retries: a 429 waits out Retry-After; a POST whose answer is lost is sent again with the
same Idempotency-Key and creates exactly one object; an archive whose answer is lost is not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from altpay_client import Client, ConnectionError, RateLimitError, ServerError
from conftest import Recorder, raw_list, start_server
from loopback_proxy import LossyProxy
from tests.support.server import Server, free_port
from tests.support.tenants import ApiClient, provision


@pytest.fixture(scope="module")
def rate_limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("rate-limited"), ALTPAY_RATE_LIMIT="2")
    yield running
    running.stop()


def test_a_429_is_retried_after_retry_after(rate_limited: Server, recorder: Recorder) -> None:
    (credentials,) = provision(rate_limited.database_url)
    with Client(
        rate_limited.base_url,
        credentials.client_id,
        credentials.client_secret,
        http_client=recorder.http_client(),
    ) as client:
        created = [
            client.customers.create(name=f"Busy {n}", email=f"b{n}@example.com") for n in range(4)
        ]
        assert len({customer.id for customer in created}) == 4
        throttled = [h for line, s, h in recorder.responses if s == 429]
        assert throttled, recorder.responses
        assert all(float(headers["Retry-After"]) > 0 for headers in throttled)
        assert sorted(c.id for c in client.customers.list()) == sorted(c.id for c in created)


def test_without_retries_a_429_is_raised(rate_limited: Server) -> None:
    (credentials,) = provision(rate_limited.database_url)
    client = Client(
        rate_limited.base_url, credentials.client_id, credentials.client_secret, max_retries=0
    )
    with client:
        client.customers.list().first_page()  # the token, then as many calls as fit in a second
        with pytest.raises(RateLimitError) as throttled:  # noqa: PT012 - the one that does not
            for _ in range(6):
                client.customers.list().first_page()
    assert throttled.value.status == 429
    assert throttled.value.code == "rate_limited"
    assert throttled.value.retry_after is not None
    assert throttled.value.retry_after > 0


@pytest.fixture
def proxy(server: Server) -> Iterator[LossyProxy]:
    with LossyProxy(server.port) as made:
        yield made


def test_a_post_whose_answer_is_lost_creates_one_customer(
    proxy: LossyProxy, server: Server, credentials: ApiClient, recorder: Recorder
) -> None:
    proxy.drop_answer_to = b"POST /customers "
    with Client(
        proxy.base_url,
        credentials.client_id,
        credentials.client_secret,
        http_client=recorder.http_client(),
    ) as client:
        created = client.customers.create(name="Exactly Once", email="once@example.com")
    assert proxy.dropped == ["POST /customers HTTP/1.1"]
    assert proxy.request_lines.count("POST /customers HTTP/1.1") == 2  # sent, then retried
    ((_, status, headers),) = [r for r in recorder.responses if r[0] == "POST /customers"]
    assert status == 201
    assert headers["Idempotent-Replayed"] == "true"
    assert raw_list(server, credentials, "/customers") == [created.id]
    keys = [key for line, key in recorder.idempotency_keys if line == "POST /customers"]
    assert len(keys) == 2  # the lost attempt and its retry, with one key
    assert keys[0]
    assert keys[0] == keys[1]


def test_a_restore_and_a_user_whose_answers_are_lost_happen_once(
    proxy: LossyProxy, client: Client, server: Server, credentials: ApiClient
) -> None:
    customer = client.customers.create(name="Lost Answers", email="l@example.com")
    client.customers.archive(customer.id)
    with Client(proxy.base_url, credentials.client_id, credentials.client_secret) as lossy:
        proxy.drop_answer_to = f"POST /customers/{customer.id}/restore ".encode()
        assert lossy.customers.restore(customer.id).archived_at == ""
        proxy.drop_answer_to = f"POST /customers/{customer.id}/users ".encode()
        user = lossy.customers.users.create(
            customer.id, email="ana@example.com", first_name="Ana", last_name="L"
        )
    assert len(proxy.dropped) == 2
    assert raw_list(server, credentials, f"/customers/{customer.id}/users") == [user.id]


def test_an_archive_whose_answer_is_lost_is_not_repeated(
    proxy: LossyProxy, client: Client, credentials: ApiClient
) -> None:
    customer = client.customers.create(name="Archive Once", email="a@example.com")
    with Client(proxy.base_url, credentials.client_id, credentials.client_secret) as lossy:
        proxy.drop_answer_to = f"DELETE /customers/{customer.id} ".encode()
        with pytest.raises(ConnectionError) as lost:
            lossy.customers.archive(customer.id)
    assert lost.value.code == "connection_error"
    assert proxy.request_lines.count(f"DELETE /customers/{customer.id} HTTP/1.1") == 1
    assert client.customers.get(customer.id).archived_at != ""


def test_an_unreachable_server_is_a_connection_error_after_the_retries(
    recorder: Recorder,
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    http = recorder.http_client()
    client = Client(nowhere, "cli_x", "sk_x", max_retries=1, http_client=http)
    with client, pytest.raises(ConnectionError) as unreachable:
        client.customers.get("cus_x")
    assert "ConnectError" in unreachable.value.message
    assert recorder.requests == ["POST /oauth/token"] * 2  # the first try and one retry


def test_a_5xx_is_retried(proxy: LossyProxy, credentials: ApiClient, recorder: Recorder) -> None:
    http = recorder.http_client()
    with Client(
        proxy.base_url, credentials.client_id, credentials.client_secret, http_client=http
    ) as client:
        proxy.refuse, proxy.refusals = b"GET /customers ", 2
        assert client.customers.list().first_page().data == []
        assert recorder.statuses("GET /customers") == [503, 503, 200]

        proxy.refuse, proxy.refusals = b"POST /customers ", 3  # one more than max_retries
        with pytest.raises(ServerError) as unavailable:
            client.customers.create(name="Never", email="n@example.com")
    assert (unavailable.value.status, unavailable.value.code) == (503, "unavailable")
    assert unavailable.value.request_id == "proxy-503"
    assert recorder.statuses("POST /customers") == [503, 503, 503]


def test_each_call_has_its_own_key_unless_one_is_given(
    recorded: Client, recorder: Recorder
) -> None:
    first = recorded.customers.create(name="One", email="one@example.com")
    recorded.customers.create(name="Two", email="two@example.com")
    again = recorded.customers.create(name="One", email="one@example.com", idempotency_key="k-1")
    replay = recorded.customers.create(name="One", email="one@example.com", idempotency_key="k-1")
    recorded.customers.get(first.id)
    keys = [key for line, key in recorder.idempotency_keys if line == "POST /customers"]
    assert keys[0] != keys[1]
    assert keys[2:] == ["k-1", "k-1"]
    assert replay == again != first
    assert [key for line, key in recorder.idempotency_keys if line.startswith("GET")] == [None]
