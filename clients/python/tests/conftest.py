"""The client's tests run against a real ``altpay serve`` (tests/support/server.py of the
repository, on SQLite in a temporary directory), each test in an account of its own."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from altpay_client import Client
from tests.support.cli import ALTPAY
from tests.support.server import Server, bearer, server_env
from tests.support.tenants import ApiClient, provision


def start_server(home: Path, **settings: str) -> Server:
    """A fresh server on a new SQLite database in ``home``; a disabled client fails at once."""
    database = f"sqlite:///{home / 'altpay.db'}"
    env = server_env(home, database, ALTPAY_CLIENT_STATUS_TTL="0", **settings)
    return Server.start(env).__enter__()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("altpay"))
    yield running
    running.stop()


@pytest.fixture
def credentials(server: Server, request: pytest.FixtureRequest) -> ApiClient:
    """A new account with one API client holding every scope."""
    (api_client,) = provision(server.database_url, name=request.node.name[:60])
    return api_client


@pytest.fixture
def client(server: Server, credentials: ApiClient) -> Iterator[Client]:
    with Client(server.base_url, credentials.client_id, credentials.client_secret) as made:
        yield made


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    made = Recorder()
    yield made
    made.close()


@pytest.fixture
def recorded(server: Server, credentials: ApiClient, recorder: Recorder) -> Iterator[Client]:
    """A client whose every exchange ``recorder`` notes."""
    http = recorder.http_client()
    with Client(
        server.base_url, credentials.client_id, credentials.client_secret, http_client=http
    ) as made:
        yield made


def raw_get(server: Server, credentials: ApiClient, path: str, **params: Any) -> Any:
    """A GET as curl would send it, with a token of its own: what the client is held to."""
    reply = httpx.get(
        server.base_url + path, params=params, headers=bearer(server, credentials), timeout=15
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def raw_list(server: Server, credentials: ApiClient, path: str, **params: Any) -> list[str]:
    """The ids of every item of a list, read page by page by hand through ``end_cursor``."""
    ids: list[str] = []
    page = raw_get(server, credentials, path, **params)
    ids += [item["id"] for item in page["data"]]
    while page["has_next_page"]:
        page = raw_get(server, credentials, path, **params, after=page["end_cursor"])
        ids += [item["id"] for item in page["data"]]
    return ids


def altpay_cli(server: Server, *arguments: str) -> str:
    """``altpay …`` on the server's database (an operator's command); its stdout."""
    done = subprocess.run(
        [ALTPAY, *arguments], env=server.env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Recorder:
    """httpx event hooks that note every request line and status the client exchanged."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.idempotency_keys: list[tuple[str, str | None]] = []
        self.responses: list[tuple[str, int, httpx.Headers]] = []
        self._made: list[httpx.Client] = []

    def on_request(self, request: httpx.Request) -> None:
        line = f"{request.method} {request.url.path}"
        self.requests.append(line)
        self.idempotency_keys.append((line, request.headers.get("Idempotency-Key")))

    def on_response(self, response: httpx.Response) -> None:
        request = response.request
        self.responses.append(
            (f"{request.method} {request.url.path}", response.status_code, response.headers)
        )

    def http_client(self) -> httpx.Client:
        hooks: dict[str, list[Any]] = {
            "request": [self.on_request],
            "response": [self.on_response],
        }
        made = httpx.Client(timeout=15, event_hooks=hooks)
        self._made.append(made)
        return made

    def close(self) -> None:
        for made in self._made:
            made.close()

    def statuses(self, line: str) -> list[int]:
        return [status for request, status, _ in self.responses if request == line]
