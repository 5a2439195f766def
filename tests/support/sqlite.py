"""SQLite databases for tests: a file in a directory of the test's, built by the migrations."""

from __future__ import annotations

from pathlib import Path

from altpay.core.migrate import upgrade
from altpay.core.settings import Settings
from tests.support.app import TEST_SIGNING_KEY


def sqlite_database(directory: Path) -> str:
    """``directory``/altpay.db, migrated to head; returns its URL."""
    directory.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{directory / 'altpay.db'}"
    upgrade(Settings(database_url=url, signing_key=TEST_SIGNING_KEY, data_dir=directory))
    return url
