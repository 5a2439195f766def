"""The operations tests run real processes (``altpay serve``, a private ``redis-server``)
through ``tests/support``; nothing is mocked. Here: their shared PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import postgres


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database built by the migrations, for the servers of one module."""
    with postgres.migrated_database("altpay_ops") as url:
        yield url
