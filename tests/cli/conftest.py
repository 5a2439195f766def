"""The ``altpay`` command on a private data dir, and an account made with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import Cli, altpay_env


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(altpay_env(tmp_path / "data"))


@pytest.fixture
def account_id(cli: Cli) -> str:
    created = cli("accounts", "create", "--name", "Acme", "--json")
    assert created.status == 0, created.stderr
    account: str = created.json()["id"]
    return account
