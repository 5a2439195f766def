"""``altpay sandbox export`` / ``import`` and ``altpay seed`` as subprocesses on a test's
database, a second database of the same backend, and an account as the API shows it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from altpay.core.settings import Settings
from tests.support import postgres
from tests.support.app import TEST_SIGNING_KEY
from tests.support.cli import Cli, Outcome, altpay_env
from tests.support.customers import all_customers
from tests.support.payment_methods import listed_methods
from tests.support.tenants import Tenant


def cli_on(database_url: str, data_dir: Path) -> Cli:
    """``altpay`` on ``database_url`` (SQLite or PostgreSQL)."""
    env = altpay_env(data_dir)
    return Cli({**env, "ALTPAY_DATABASE_URL": database_url, "ALTPAY_SIGNING_KEY": TEST_SIGNING_KEY})


@contextmanager
def other_database(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the backend ``settings`` use, for the block."""
    if settings.database_url_or_default().startswith("postgresql"):
        with postgres.migrated_database() as url:
            yield url
        return
    # The CLI migrates a SQLite file itself.
    yield f"sqlite:///{tmp_path / 'other.db'}"


def new_account(cli: Cli, name: str = "Fixtures") -> str:
    created = cli("accounts", "create", "--name", name, "--json")
    assert created.status == 0, created.stderr
    account_id: str = created.json()["id"]
    return account_id


def exported(cli: Cli, account_id: str) -> dict[str, Any]:
    outcome = cli("sandbox", "export", "--account", account_id)
    assert outcome.status == 0, outcome.stderr
    document: dict[str, Any] = outcome.json()
    return document


def write_file(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def imported(cli: Cli, account_id: str, path: Path, *options: str, **env: str) -> Outcome:
    return cli("sandbox", "import", "--account", account_id, str(path), *options, **env)


def account_view(api: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    """Every customer of the tenant as the API shows it, each with its users and methods."""
    view = []
    for customer in all_customers(api, tenant):
        users = api.get(f"/customers/{customer['id']}/users", headers=tenant.headers)
        assert users.status_code == 200, users.text
        methods = listed_methods(api, tenant, customer["id"])
        view.append({**customer, "users": users.json()["data"], "payment_methods": methods})
    return view


def translated(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with every string that is a key of ``ids`` replaced by its value."""
    if isinstance(value, dict):
        return {key: translated(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [translated(item, ids) for item in value]
    if isinstance(value, str):
        return ids.get(value, value)
    return value
