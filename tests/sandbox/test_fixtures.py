"""``altpay sandbox export`` and ``altpay sandbox import``: fixture files of an account's
customers, users and payment methods, run as subprocesses on both backends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from altpay.core.settings import Settings
from tests.support.cli import Cli
from tests.support.customers import archive_customer, create_customer
from tests.support.payment_methods import CA_BANK, US_BANK, add_bank, add_card, methods_url
from tests.support.sandbox_fixtures import (
    account_view,
    cli_on,
    exported,
    imported,
    new_account,
    other_database,
    translated,
    write_file,
)
from tests.support.tenants import Tenant

FULL_CUSTOMER = {
    "name": "Acme Corp",
    "legal_name": "Acme Corporation",
    "email": "billing@acme.example",
    "ein": "12-3456789",
    "external_id": "crm-1",
    "street_address": "1 Main St",
    "sub_premise": "Suite 100",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
    "country": "US",
}


@pytest.fixture
def cli(settings: Settings, tmp_path: Path) -> Cli:
    return cli_on(settings.database_url_or_default(), tmp_path / "cli")


def add_user(api: TestClient, tenant: Tenant, customer_id: str, email: str) -> None:
    body = {"email": email, "first_name": "Ann", "last_name": "Lee"}
    reply = api.post(f"/customers/{customer_id}/users", json=body, headers=tenant.headers)
    assert reply.status_code == 201, reply.text


def populate(api: TestClient, tenant: Tenant) -> None:
    """Customers of every shape: every field set, a default moved, a default deleted (none
    left), a Canadian bank account, an archived customer with a user and a card."""
    full = create_customer(api, tenant, **FULL_CUSTOMER)["id"]
    add_user(api, tenant, full, "ann@acme.example")
    add_user(api, tenant, full, "bob@acme.example")
    add_card(api, tenant, full, "tok_visa_debit", custom_name="Ops card")
    bank = add_bank(api, tenant, full, US_BANK)
    moved = api.patch(f"{methods_url(full)}/{bank['id']}/default", headers=tenant.headers)
    assert moved.status_code == 200, moved.text

    canadian = create_customer(
        api, tenant, name="Maple", email="ap@maple.example", country="CA", state="ON",
        postal_code="K1A 0B1",
    )["id"]  # fmt: skip
    first = add_card(api, tenant, canadian, "tok_mastercard")
    add_bank(api, tenant, canadian, CA_BANK)
    deleted = api.delete(f"{methods_url(canadian)}/{first['id']}", headers=tenant.headers)
    assert deleted.status_code == 200, deleted.text

    archived = create_customer(api, tenant, name="Gone", email="gone@old.example")["id"]
    add_user(api, tenant, archived, "last@old.example")
    add_card(api, tenant, archived, "tok_amex")
    archive_customer(api, tenant, customer_id=archived)


def test_export_then_import_into_another_account_recreates_what_the_api_shows(
    api: TestClient, cli: Cli, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    populate(api, tenant)
    path = write_file(tmp_path / "fixtures.json", exported(cli, tenant.account_id))

    outcome = imported(cli, other_tenant.account_id, path, "--json")

    assert outcome.status == 0, outcome.stderr
    report = outcome.json()
    original = account_view(api, tenant)
    # One database: every id of the file is taken (by the first account), so every record
    # was given a new one, and what referred to it (the default) followed.
    recorded_ids = {record["id"] for customer in original for record in _records(customer)}
    assert set(report["remapped_ids"]) == recorded_ids
    assert report["cleared_external_ids"] == {}
    assert (report["customers"], report["users"], report["payment_methods"]) == (3, 3, 4)
    assert account_view(api, other_tenant) == translated(original, report["remapped_ids"])
    assert [c["default_payment_method_id"] != "" for c in original] == [True, False, True]
    assert [c["archived_at"] != "" for c in original] == [True, False, False]


def _records(customer: dict[str, Any]) -> list[dict[str, Any]]:
    return [customer, *customer["users"], *customer["payment_methods"]]


def test_ids_are_kept_when_free_and_a_second_import_remaps_and_reports(
    api: TestClient, cli: Cli, tenant: Tenant, settings: Settings, tmp_path: Path
) -> None:
    populate(api, tenant)
    document = exported(cli, tenant.account_id)
    path = write_file(tmp_path / "fixtures.json", document)
    recorded_ids = {
        record["id"]
        for customer in document["customers"]
        for record in (customer, *customer["users"], *customer["payment_methods"])
    }

    with other_database(settings, tmp_path) as url:
        elsewhere = cli_on(url, tmp_path / "elsewhere")
        account_id = new_account(elsewhere)
        first = imported(elsewhere, account_id, path, "--json")
        again = imported(elsewhere, account_id, path)
        twice = exported(elsewhere, account_id)

    assert first.status == 0, first.stderr
    assert first.json()["remapped_ids"] == {}
    assert again.status == 0, again.stderr
    remapped = dict(
        line.removeprefix("remapped ").removesuffix(" (the id was taken)").split(" -> ")
        for line in again.stderr.splitlines()
        if line.startswith("remapped ")
    )
    assert set(remapped) == recorded_ids
    assert "cleared external_id crm-1 of " in again.stderr
    assert f"Imported 3 customers, 3 users and 4 payment methods into {account_id}." in (
        again.stderr
    )
    # The first import is the file itself, ids and all; the second is the file under the new
    # ids, without the external_id another customer already has.
    copies = {customer["id"]: customer for customer in twice["customers"]}
    assert [copies[customer["id"]] for customer in document["customers"]] == document["customers"]
    expected_copies = [
        {**translated(customer, remapped), "external_id": ""} for customer in document["customers"]
    ]
    assert [copies[remapped[c["id"]]] for c in document["customers"]] == expected_copies


def _bad_files(valid: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """What each bad file is: its text, and what the one-line error must name."""
    customer = valid["customers"][-1]
    method = customer["payment_methods"][0]

    def with_last(**changes: Any) -> str:
        return json.dumps(
            {**valid, "customers": [*valid["customers"][:-1], {**customer, **changes}]}
        )

    return {
        "not JSON": ("{not json", "Invalid JSON"),
        "another format": (json.dumps({**valid, "format": "other"}), "format"),
        "a later version": (json.dumps({**valid, "version": 2}), "version: Input should be 1"),
        "an unknown field": (with_last(colour="red"), "customers[2].colour"),
        "a bad e-mail": (with_last(email="nope"), "customers[2].email"),
        "a state not of its country": (with_last(country="US", state="ZZ"), "customers[2]: state"),
        "a default of no method": (
            with_last(default_payment_method_id="pm_01h" + "z" * 23),
            "default_payment_method_id: is not one of payment_methods",
        ),
        "an id twice": (
            with_last(payment_methods=[method, method]),
            f"the id {method['id']} appears twice",
        ),
        "a malformed id": (with_last(id="cus_1"), "customers[2].id: must be an id"),
        "a time at the end of time": (
            with_last(created_at="9999-12-31T23:59:59.999999Z"),
            "customers[2].created_at: must be before 9999-12-31T23:59:59.999999Z",
        ),
        "a time before the first day in UTC": (
            with_last(created_at="0001-01-01T00:30:00+01:00"),
            "customers[2].created_at: is outside the range of dates",
        ),
    }


BAD_FILES = [
    "not JSON",
    "another format",
    "a later version",
    "an unknown field",
    "a bad e-mail",
    "a state not of its country",
    "a default of no method",
    "an id twice",
    "a malformed id",
    "a time at the end of time",
    "a time before the first day in UTC",
]


def test_a_bad_file_is_refused_whole_with_one_line_and_writes_nothing(
    api: TestClient, cli: Cli, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    populate(api, tenant)
    bad_files = _bad_files(exported(cli, tenant.account_id))
    assert sorted(bad_files) == sorted(BAD_FILES)

    for name, (text, named) in bad_files.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text, encoding="utf-8")
        outcome = imported(cli, other_tenant.account_id, path)

        assert outcome.status == 2, (name, outcome.stderr)
        assert outcome.stderr.startswith(f"error: {path}: not a valid fixture file: "), name
        assert named in outcome.stderr, (name, outcome.stderr)
        assert len(outcome.stderr.splitlines()) == 1, (name, outcome.stderr)
    assert account_view(api, other_tenant) == []


def test_an_expired_card_of_a_fixture_imports_as_recorded(
    api: TestClient, cli: Cli, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    populate(api, tenant)
    document = exported(cli, tenant.account_id)
    archived = document["customers"][-1]  # the newest
    archived["payment_methods"][0].update(exp_month="01", exp_year="2020")

    outcome = imported(cli, other_tenant.account_id, write_file(tmp_path / "f.json", document))

    assert outcome.status == 0, outcome.stderr
    (card,) = account_view(api, other_tenant)[0]["payment_methods"]
    assert (card["exp_month"], card["exp_year"]) == ("01", "2020")


def test_an_export_holds_its_own_account_alone(
    api: TestClient, cli: Cli, tenant: Tenant, other_tenant: Tenant
) -> None:
    populate(api, tenant)
    populate(api, other_tenant)

    document = exported(cli, tenant.account_id)

    ours = {record["id"] for c in account_view(api, tenant) for record in _records(c)}
    theirs = {record["id"] for c in account_view(api, other_tenant) for record in _records(c)}
    text = json.dumps(document)
    assert {c["id"] for c in document["customers"]} <= ours
    recorded = {
        record["id"]
        for customer in document["customers"]
        for record in (customer, *customer["users"], *customer["payment_methods"])
    }
    assert recorded == ours
    assert not any(record_id in text for record_id in theirs)


def test_an_unknown_account_is_refused(cli: Cli, tmp_path: Path) -> None:
    unknown = "acct_01m8bm00000000000000000000"
    path = write_file(
        tmp_path / "f.json", {"format": "altpay-fixtures", "version": 1, "customers": []}
    )

    for outcome in (cli("sandbox", "export", "--account", unknown), imported(cli, unknown, path)):
        assert outcome.status == 1
        assert outcome.stderr == f"error: No account {unknown}.\n"


def test_production_mode_refuses_unless_the_sandbox_is_turned_on(
    api: TestClient, cli: Cli, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    populate(api, tenant)
    path = write_file(tmp_path / "fixtures.json", exported(cli, tenant.account_id))
    refused = "error: the sandbox is off (ALTPAY_SANDBOX=true turns it on)\n"

    for outcome in (
        cli("sandbox", "export", "--account", tenant.account_id, ALTPAY_ENV="production"),
        imported(cli, other_tenant.account_id, path, ALTPAY_ENV="production"),
        cli("sandbox", "export", "--account", tenant.account_id, ALTPAY_SANDBOX="false"),
    ):
        assert (outcome.status, outcome.stdout, outcome.stderr) == (2, "", refused)
    assert account_view(api, other_tenant) == []

    enabled = imported(
        cli, other_tenant.account_id, path, ALTPAY_ENV="production", ALTPAY_SANDBOX="true"
    )
    assert enabled.status == 0, enabled.stderr
    assert len(account_view(api, other_tenant)) == 3
