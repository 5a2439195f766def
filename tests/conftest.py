"""Shared fixtures: a migrated database per test, the app, tenants with real credentials."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from altpay.app import create_app
from altpay.auth import service as auth_service
from altpay.auth.schemas import NewClientOut
from altpay.auth.tokens import ALL_SCOPES
from altpay.core.migrate import upgrade
from altpay.core.runtime import Runtime
from altpay.core.settings import Settings
from tests.support import postgres
from tests.support.openapi import hold_to_the_document

T = TypeVar("T")
TEST_SIGNING_KEY = "test-signing-key-that-is-long-enough-0123456789"
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file built by the migrations once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "altpay.db"
    upgrade(Settings(database_url=f"sqlite:///{path}", signing_key=TEST_SIGNING_KEY))
    return path


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """A PostgreSQL database built by the migrations for this test session, then dropped."""
    postgres.require_server()
    url = postgres.create_database()
    try:
        upgrade(Settings(database_url=url, signing_key=TEST_SIGNING_KEY))
        yield url
    finally:
        postgres.drop_database(url)


def _fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        url: str = request.getfixturevalue("migrated_postgres")
        postgres.empty_tables(url)
        return url
    database = tmp_path / "altpay.db"
    shutil.copyfile(request.getfixturevalue("migrated_sqlite"), database)
    return f"sqlite:///{database}"


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for an empty, migrated database: every API test runs on both backends."""
    return Settings(
        data_dir=tmp_path,
        database_url=_fresh_database_url(request, tmp_path),
        signing_key=TEST_SIGNING_KEY,
        rate_limit=0,
        client_status_ttl=0,
    )


@contextmanager
def sqlite_client(data_dir: Path) -> Iterator[TestClient]:
    """The app on a new SQLite database in ``data_dir``, for tests of what needs no data."""
    settings = Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'altpay.db'}",
        signing_key=TEST_SIGNING_KEY,
        rate_limit=0,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        hold_to_the_document(client)  # every answer must be one the served document lists
        yield client


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        hold_to_the_document(client)  # every answer must be one the served document lists
        yield client


@dataclass
class Tenant:
    """An account with one API client and a token for it."""

    account_id: str
    client_id: str
    client_secret: str
    token: str
    scopes: tuple[str, ...]
    headers: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.headers = {"Authorization": f"Bearer {self.token}"}


def run_in_app(api: TestClient, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Runs ``work`` on the app's own event loop, with its runtime (database, tokens…)."""
    runtime: Runtime = api.app.state.runtime  # type: ignore[attr-defined]

    async def call() -> T:
        return await work(runtime)

    assert api.portal is not None
    return api.portal.call(call)


def create_tenant(
    api: TestClient, *, scopes: tuple[str, ...] = ALL_SCOPES, name: str = "Acme"
) -> Tenant:
    async def work(runtime: Runtime) -> Any:
        async with runtime.database.transaction() as connection:
            account = await auth_service.create_account(connection, name)
            return await auth_service.create_client(
                connection, account_id=account.id, name=f"{name} client", scopes=" ".join(scopes)
            )

    return signed_in(api, run_in_app(api, work))


def signed_in(api: TestClient, client: NewClientOut) -> Tenant:
    """The tenant of a freshly created API client, with a token from /oauth/token."""
    reply = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.client_secret),
    )
    assert reply.status_code == 200, reply.text
    return Tenant(
        account_id=client.account_id,
        client_id=client.client_id,
        client_secret=client.client_secret,
        token=reply.json()["access_token"],
        scopes=tuple(client.scopes),
    )


@pytest.fixture
def tenant(api: TestClient) -> Tenant:
    return create_tenant(api, name="Acme")


@pytest.fixture
def other_tenant(api: TestClient) -> Tenant:
    return create_tenant(api, name="Globex")


@pytest.fixture
def reader(api: TestClient) -> Tenant:
    return create_tenant(api, scopes=("customers:read",), name="Reader")


@pytest.fixture
def writer(api: TestClient) -> Tenant:
    return create_tenant(api, scopes=("customers:write",), name="Writer")
