"""Shared fixtures: a migrated database per test, the app, tenants with real credentials.

The fixtures only wire what ``tests/support`` builds; a test that needs a helper imports it
from there, never from a conftest.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from altpay.auth.tokens import SCOPE_READ, SCOPE_WRITE
from altpay.core.settings import Settings
from tests.support import postgres
from tests.support.app import TEST_SIGNING_KEY, app_client
from tests.support.openapi import hold_to_the_document
from tests.support.sqlite import sqlite_database
from tests.support.tenants import Tenant, client_of_same_account, create_tenant

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file built by the migrations once; each test gets its own copy."""
    url = sqlite_database(tmp_path_factory.mktemp("template"))
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """A PostgreSQL database built by the migrations for this test session, then dropped."""
    with postgres.migrated_database() as url:
        yield url


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


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    """The app on ``settings``; an exception escaping it fails the test with its traceback."""
    with app_client(settings) as client:
        hold_to_the_document(client)  # every answer must be one the served document lists
        yield client


@pytest.fixture
def tenant(api: TestClient) -> Tenant:
    return create_tenant(api, name="Acme")


@pytest.fixture
def other_tenant(api: TestClient) -> Tenant:
    return create_tenant(api, name="Globex")


@pytest.fixture
def reader(api: TestClient) -> Tenant:
    return create_tenant(api, scopes=(SCOPE_READ,), name="Reader")


@pytest.fixture
def writer(api: TestClient) -> Tenant:
    return create_tenant(api, scopes=(SCOPE_WRITE,), name="Writer")


@pytest.fixture
def tenant_reader(api: TestClient, tenant: Tenant) -> Tenant:
    """A read-only client of ``tenant``'s own account: it sees the customers it cannot change."""
    return client_of_same_account(api, tenant, scope=SCOPE_READ)


@pytest.fixture
def tenant_writer(api: TestClient, tenant: Tenant) -> Tenant:
    """A write-only client of ``tenant``'s own account."""
    return client_of_same_account(api, tenant, scope=SCOPE_WRITE)
