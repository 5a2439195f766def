"""The app with a rate limit of one request a second, for the rate-limit tests of auth."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from altpay.core.settings import Settings
from tests.support.app import app_client


@pytest.fixture
def limited_api(settings: Settings) -> Iterator[TestClient]:
    limited = settings.model_copy(update={"rate_limit": 1})
    with app_client(limited) as client:
        yield client
