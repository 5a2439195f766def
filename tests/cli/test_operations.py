"""``altpay db``, ``altpay payment-methods`` and ``altpay seed``, run as subprocesses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from altpay.app import create_app
from altpay.core.migrate import head_revision
from altpay.core.settings import Settings
from tests.support.cli import Cli, Outcome
from tests.support.payment_methods import PAYMENT_METHOD_FIELDS


def test_db_upgrade_downgrade_and_current(cli: Cli) -> None:
    assert cli("db", "upgrade").status == 0
    assert cli("db", "current").stdout.strip() == head_revision()

    assert cli("db", "downgrade", "base").status == 0
    assert cli("db", "current").stdout.strip() == "base"


@contextmanager
def api_as(cli: Cli, account_id: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The API on the CLI's database, with a token for a client the CLI creates."""
    client = cli("clients", "create", "--account", account_id, "--name", "ci", "--json").json()
    settings = Settings(data_dir=cli.env["ALTPAY_DATA_DIR"], rate_limit=0)
    with TestClient(create_app(settings)) as api:
        token = api.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
        ).json()["access_token"]
        yield api, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def customer_id(cli: Cli, account_id: str) -> str:
    with api_as(cli, account_id) as (api, headers):
        created = api.post(
            "/customers", json={"name": "Acme", "email": "billing@acme.example"}, headers=headers
        )
    assert created.status_code == 201
    customer: str = created.json()["id"]
    return customer


def add_card_outcome(cli: Cli, customer_id: str, *extra: str) -> Outcome:
    """``payment-methods add`` of a visa expiring 04/2030; a repeated option in ``extra`` wins."""
    return cli(
        "payment-methods",
        "add",
        "--customer",
        customer_id,
        "--type",
        "card",
        "--brand",
        "visa",
        "--last4",
        "4242",
        "--exp-month",
        "04",
        "--exp-year",
        "2030",
        "--json",
        *extra,
    )


def add_card(cli: Cli, customer_id: str, *extra: str) -> dict[str, object]:
    outcome = add_card_outcome(cli, customer_id, *extra)
    assert outcome.status == 0, outcome.stderr
    method: dict[str, object] = outcome.json()
    return method


def test_payment_methods_add_prints_the_payment_method(cli: Cli, customer_id: str) -> None:
    method = add_card(cli, customer_id, "--default")

    assert set(method) == PAYMENT_METHOD_FIELDS
    assert str(method["id"]).startswith("pm_")
    assert (method["type"], method["brand"], method["last4"]) == ("card", "visa", "4242")
    assert (method["exp_month"], method["exp_year"], method["default"]) == ("04", "2030", True)


def test_payment_methods_add_ach_has_no_expiry(cli: Cli, customer_id: str) -> None:
    outcome = cli(
        "payment-methods",
        "add",
        "--customer",
        customer_id,
        "--type",
        "ach",
        "--brand",
        "Chase",
        "--last4",
        "6789",
        "--json",
    )

    assert outcome.status == 0, outcome.stderr
    method = outcome.json()
    assert (method["type"], method["exp_month"], method["exp_year"]) == ("ach", "", "")
    assert method["default"] is True  # the first method a customer gets is its default
    assert (method["funding"], method["country"]) == ("", "US")


@pytest.mark.parametrize(
    "options",
    [
        ("--type", "card", "--brand", "visa", "--last4", "42"),
        ("--type", "card", "--brand", "visa", "--last4", "4242"),
        (
            "--type",
            "card",
            "--brand",
            "visa",
            "--last4",
            "4242",
            "--exp-month",
            "13",
            "--exp-year",
            "2030",
        ),
        (
            "--type",
            "ach",
            "--brand",
            "Chase",
            "--last4",
            "4242",
            "--exp-month",
            "01",
            "--exp-year",
            "2030",
        ),
    ],
)
def test_payment_methods_add_refuses_invalid_details(
    cli: Cli, customer_id: str, options: tuple[str, ...]
) -> None:
    outcome = cli("payment-methods", "add", "--customer", customer_id, *options)

    assert outcome.status == 1
    assert "error:" in outcome.stderr


def test_payment_methods_add_names_every_bad_option_at_once(cli: Cli, customer_id: str) -> None:
    outcome = add_card_outcome(
        cli, customer_id, "--last4", "42", "--exp-month", "13", "--exp-year", "30"
    )

    assert outcome.status == 1
    assert outcome.stderr == (
        "error: --last4: must be four digits; --exp-month: must be 01-12 for a card; "
        "--exp-year: must be four digits for a card\n"
    )


@pytest.mark.parametrize(("month", "year"), [("12", "1999"), ("01", "2000")])
def test_payment_methods_add_refuses_an_expired_card(
    cli: Cli, customer_id: str, month: str, year: str
) -> None:
    outcome = add_card_outcome(cli, customer_id, "--exp-month", month, "--exp-year", year)

    assert outcome.status == 1
    assert outcome.stderr == f"error: --exp-year: the card expired in {month}/{year}\n"


def test_payment_methods_add_accepts_a_card_expiring_this_month(cli: Cli, customer_id: str) -> None:
    today = datetime.now(UTC)
    outcome = add_card_outcome(
        cli, customer_id, "--exp-month", f"{today.month:02d}", "--exp-year", str(today.year)
    )

    assert outcome.status == 0, outcome.stderr


def test_payment_methods_add_with_an_unknown_type_is_bad_usage(cli: Cli, customer_id: str) -> None:
    outcome = cli(
        "payment-methods",
        "add",
        "--customer",
        customer_id,
        "--type",
        "paypal",
        "--brand",
        "x",
        "--last4",
        "1234",
    )

    assert outcome.status == 2


def test_payment_methods_add_to_an_unknown_customer_is_refused(cli: Cli, account_id: str) -> None:
    outcome = cli(
        "payment-methods",
        "add",
        "--customer",
        "cus_01m8bm00000000000000000000",
        "--type",
        "ach",
        "--brand",
        "Chase",
        "--last4",
        "6789",
    )

    assert outcome.status == 1


def test_a_second_default_replaces_the_first(cli: Cli, account_id: str, customer_id: str) -> None:
    first = add_card(cli, customer_id, "--default")
    second = add_card(cli, customer_id, "--default")

    with api_as(cli, account_id) as (api, headers):
        methods = api.get(f"/customers/{customer_id}/payment-methods", headers=headers).json()
        customer = api.get(f"/customers/{customer_id}", headers=headers).json()
    defaults = {method["id"]: method["default"] for method in methods["data"]}
    assert defaults == {first["id"]: False, second["id"]: True}
    assert customer["default_payment_method_id"] == second["id"]


def test_seed_fills_an_account(cli: Cli, account_id: str) -> None:
    outcome = cli("seed", "--account", account_id, "--customers", "40", "--seed", "7")

    assert outcome.status == 0, outcome.stderr
    with api_as(cli, account_id) as (api, headers):
        everyone = api.get("/customers?include_archived=true", headers=headers).json()["data"]
        active = api.get("/customers", headers=headers).json()["data"]
        users = [
            api.get(f"/customers/{customer['id']}/users", headers=headers).json()["data"]
            for customer in everyone
        ]
    assert len(everyone) == 40
    assert len(active) < 40
    assert all(customer["email"] and customer["country"] for customer in everyone)
    assert any(customer["default_payment_method_id"] for customer in everyone)
    assert sum(len(page) for page in users) > 0


def test_seed_spreads_created_at_over_two_years_with_time_ordered_ids(
    cli: Cli, account_id: str
) -> None:
    outcome = cli("seed", "--account", account_id, "--customers", "30", "--seed", "3")
    started = datetime.now(UTC)

    assert outcome.status == 0, outcome.stderr
    a_year_ago = (started - timedelta(days=365)).isoformat().replace("+00:00", "Z")
    with api_as(cli, account_id) as (api, headers):
        everyone = api.get("/customers?include_archived=true", headers=headers).json()["data"]
        recent = api.get(
            "/customers",
            params={"include_archived": "true", "created_at_start": a_year_ago},
            headers=headers,
        ).json()["data"]
    created = [datetime.fromisoformat(customer["created_at"]) for customer in everyone]
    # Newest first by created_at, and the ids (ULIDs, time-ordered) sort the same way.
    assert created == sorted(created, reverse=True)
    assert [c["id"] for c in everyone] == sorted((c["id"] for c in everyone), reverse=True)
    assert timedelta(days=700) < started - created[-1] <= timedelta(days=731)
    assert started - created[0] < timedelta(days=30)
    assert 5 < len(recent) < 25


def test_seed_with_no_spread_creates_everything_now(cli: Cli, account_id: str) -> None:
    before = datetime.now(UTC)
    outcome = cli("seed", "--account", account_id, "--customers", "5", "--spread-days", "0")

    assert outcome.status == 0, outcome.stderr
    with api_as(cli, account_id) as (api, headers):
        everyone = api.get("/customers?include_archived=true", headers=headers).json()["data"]
    created = [datetime.fromisoformat(customer["created_at"]) for customer in everyone]
    assert len(created) == 5
    assert all(before - timedelta(seconds=5) < moment <= datetime.now(UTC) for moment in created)


def test_seed_into_an_unknown_account_is_refused(cli: Cli) -> None:
    outcome = cli("seed", "--account", "acct_01m8bm00000000000000000000", "--customers", "5")

    assert outcome.status == 1
