"""``altpay seed --seed S`` makes the same data for the same seed, in any database; what it
cannot repeat (ids and times, minted at the run) is left out of the comparison."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from altpay.core.settings import Settings
from tests.support.cli import Cli
from tests.support.sandbox_fixtures import cli_on, exported, new_account, other_database

CUSTOMERS = "25"
_OF_THE_RUN = {"id", "created_at", "archived_at", "default_payment_method_id"}


def seeded(cli: Cli, seed: str) -> dict[str, Any]:
    account_id = new_account(cli, f"Seed {seed}")
    outcome = cli("seed", "--account", account_id, "--customers", CUSTOMERS, "--seed", seed)
    assert outcome.status == 0, outcome.stderr
    return exported(cli, account_id)


def _content(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in _OF_THE_RUN}


def _sorted(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A customer's users and methods are minted within microseconds of each other: their
    # order (created_at, then a random id) is not the run's to repeat.
    return sorted((_content(record) for record in records), key=json.dumps)


def repeatable(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The customers without ids and times, each default named by its method's content."""
    customers = []
    for customer in document["customers"]:
        default = next(
            (
                m
                for m in customer["payment_methods"]
                if m["id"] == customer["default_payment_method_id"]
            ),
            None,
        )
        customers.append(
            {
                **_content(customer),
                "archived": customer["archived_at"] is not None,
                "default": default and _content(default),
                "users": _sorted(customer["users"]),
                "payment_methods": _sorted(customer["payment_methods"]),
            }
        )
    return customers


def test_the_same_seed_makes_the_same_data_in_two_fresh_databases(
    settings: Settings, tmp_path: Path
) -> None:
    first = seeded(cli_on(settings.database_url_or_default(), tmp_path / "first"), "7")
    with other_database(settings, tmp_path) as url:
        elsewhere = cli_on(url, tmp_path / "second")
        second = seeded(elsewhere, "7")
        another = seeded(elsewhere, "8")

    assert len(first["customers"]) == int(CUSTOMERS)
    assert repeatable(first) == repeatable(second)
    assert any(customer["archived"] for customer in repeatable(first))
    assert any(customer["default"] for customer in repeatable(first))
    assert sum(len(customer["users"]) for customer in repeatable(first)) > 0
    # Ids and times are the run's own: none is repeated.
    first_ids = {customer["id"] for customer in first["customers"]}
    assert first_ids.isdisjoint(customer["id"] for customer in second["customers"])
    assert repeatable(another) != repeatable(first)
    assert [c["name"] for c in repeatable(another)] != [c["name"] for c in repeatable(first)]
