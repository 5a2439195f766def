"""GET /healthz and /readyz: unauthenticated probes; readiness needs a migrated database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from altpay.app import create_app
from altpay.core.db import open_database
from altpay.core.migrate import head_revision
from altpay.core.settings import Settings
from tests.support.app import TEST_SIGNING_KEY
from tests.support.errors import assert_http_error


def test_healthz_answers_without_credentials(api: TestClient) -> None:
    reply = api.get("/healthz")

    assert reply.status_code == 200
    assert reply.json() == {"status": "ok"}


def test_readyz_answers_when_migrated(api: TestClient) -> None:
    reply = api.get("/readyz")

    assert reply.status_code == 200
    assert reply.json() == {"status": "ok"}


def test_readyz_is_unavailable_on_an_unmigrated_database(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'empty.db'}",
        signing_key=TEST_SIGNING_KEY,
    )
    with TestClient(create_app(settings)) as api:
        reply = api.get("/readyz")

    assert_http_error(reply, 503, "unavailable")


def set_revision(settings: Settings, revision: str) -> None:
    async def update() -> None:
        database = open_database(settings)
        try:
            await database.run_sync(
                lambda connection: connection.execute(
                    text("UPDATE alembic_version SET version_num = :revision"),
                    {"revision": revision},
                )
            )
        finally:
            await database.dispose()

    asyncio.run(update())


def test_readyz_is_unavailable_behind_the_expected_revision(settings: Settings) -> None:
    set_revision(settings, "0001")
    try:
        with TestClient(create_app(settings)) as api:
            reply = api.get("/readyz")
    finally:
        set_revision(settings, head_revision())

    assert_http_error(reply, 503, "unavailable")
