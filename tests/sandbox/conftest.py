"""The sandbox's tests run on both backends, with a sandbox admin token configured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from altpay.core.settings import Settings
from tests.support.app import app_client
from tests.support.openapi import hold_to_the_document
from tests.support.sandbox import ADMIN_TOKEN


@pytest.fixture
def sandbox_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sandbox_admin_token": SecretStr(ADMIN_TOKEN)})


@pytest.fixture
def api(sandbox_settings: Settings) -> Iterator[TestClient]:
    with app_client(sandbox_settings) as client:
        hold_to_the_document(client)
        yield client
