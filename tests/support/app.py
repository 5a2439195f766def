"""The app in the test process: a started TestClient, and the one door into its internals.

Tests talk to the app over HTTP. What the API has no route for (an API client created or
disabled, an idempotency key aged, a token issued without ``/oauth/token``) goes through
``write_in_app`` or ``issue_token`` below: the only code of the tests that knows how the app
holds its runtime (``app.state.runtime.database``, ``app.state.auth.tokens``), so that
when src/ changes those, this module alone follows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from fastapi.testclient import TestClient

from altpay.app import create_app
from altpay.auth.dependencies import AuthRuntime
from altpay.core.db import SqlConnection
from altpay.core.runtime import Runtime
from altpay.core.settings import Settings
from tests.support.openapi import hold_to_the_document

T = TypeVar("T")
TEST_SIGNING_KEY = "test-signing-key-that-is-long-enough-0123456789"


# Where TestClient's requests come from by default: not an IP address, so not loopback.
TEST_PEER = ("testclient", 50000)


@contextmanager
def app_client(settings: Settings, *, peer: tuple[str, int] = TEST_PEER) -> Iterator[TestClient]:
    """The app on ``settings``, its lifespan running for the block, called from ``peer``.

    An exception that escapes the app is raised in the test, traceback and all (TestClient's
    default). One the app answers with its own 500 HttpError (its request middleware) is
    logged by the app with its traceback, which pytest shows beside the failure.
    """
    with TestClient(create_app(settings), client=peer) as client:
        yield client


@contextmanager
def sqlite_client(data_dir: Path) -> Iterator[TestClient]:
    """The app on a new SQLite database in ``data_dir``, for tests of what needs no data."""
    settings = Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'altpay.db'}",
        signing_key=TEST_SIGNING_KEY,
        rate_limit=0,
    )
    with app_client(settings) as client:
        hold_to_the_document(client)  # every answer must be one the served document lists
        yield client


def _runtime(api: TestClient) -> Runtime:
    runtime: Runtime = api.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def write_in_app(api: TestClient, work: Callable[[SqlConnection], Awaitable[T]]) -> T:
    """Runs ``work`` in one write transaction of the app's own database, on the app's loop."""
    database = _runtime(api).database

    async def call() -> T:
        async with database.transaction() as connection:
            return await work(connection)

    assert api.portal is not None, "the TestClient is not started"
    return api.portal.call(call)


def issue_token(
    api: TestClient, *, client_id: str, account_id: str, scopes: tuple[str, ...]
) -> str:
    """An access token for the client, issued as ``/oauth/token`` would, without a request."""
    auth: AuthRuntime = api.app.state.auth  # type: ignore[attr-defined]
    issued = auth.tokens.issue(client_id=client_id, account_id=account_id, scopes=scopes)
    return issued.access_token
