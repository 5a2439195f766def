"""``altpay accounts`` and ``altpay clients``, run as subprocesses."""

from __future__ import annotations

import re

import pytest

from tests.support.cli import Cli

CLIENT_ID = re.compile(r"cli_[0-9a-z]{26}")


def test_accounts_create_prints_the_account_as_json(cli: Cli) -> None:
    created = cli("accounts", "create", "--name", "Acme Corp", "--json")

    assert created.status == 0, created.stderr
    account = created.json()
    assert set(account) == {"id", "name"}
    assert re.fullmatch(r"acct_[0-9a-z]{26}", account["id"])
    assert account["name"] == "Acme Corp"


def test_accounts_create_prints_text_without_json(cli: Cli) -> None:
    created = cli("accounts", "create", "--name", "Acme Corp")

    assert created.status == 0
    assert re.search(r"^id: acct_[0-9a-z]{26}$", created.stdout, re.MULTILINE)
    assert "name: Acme Corp" in created.stdout


def test_accounts_create_without_a_name_is_bad_usage(cli: Cli) -> None:
    outcome = cli("accounts", "create")

    assert outcome.status == 2
    assert outcome.stdout == ""


def test_clients_create_prints_credentials_once(cli: Cli, account_id: str) -> None:
    created = cli(
        "clients",
        "create",
        "--account",
        account_id,
        "--name",
        "ci",
        "--scopes",
        "customers:read customers:write",
        "--json",
    )

    assert created.status == 0, created.stderr
    client = created.json()
    assert set(client) == {"client_id", "client_secret", "account_id", "scopes"}
    assert CLIENT_ID.fullmatch(client["client_id"])
    assert re.fullmatch(r"sk_[A-Za-z0-9_-]{43}", client["client_secret"])
    assert client["account_id"] == account_id
    assert client["scopes"] == ["customers:read", "customers:write"]
    listed = cli("clients", "list", "--account", account_id, "--json")
    assert client["client_secret"] not in listed.stdout


@pytest.mark.parametrize(
    ("scopes", "granted"),
    [
        ("customers:read", ["customers:read"]),
        ("webhooks:write webhooks:read", ["webhooks:read", "webhooks:write"]),
    ],
)
def test_clients_create_with_some_scopes(
    cli: Cli, account_id: str, scopes: str, granted: list[str]
) -> None:
    created = cli(
        "clients", "create", "--account", account_id, "--name", "some", "--scopes", scopes, "--json"
    )

    assert created.status == 0, created.stderr
    assert created.json()["scopes"] == granted


def test_clients_create_for_an_unknown_account_is_refused(cli: Cli) -> None:
    outcome = cli(
        "clients",
        "create",
        "--account",
        "acct_01m8bm00000000000000000000",
        "--name",
        "x",
        "--json",
    )

    assert outcome.status == 1
    assert outcome.stdout == ""
    assert "error:" in outcome.stderr


def test_clients_create_with_an_invalid_scope_is_refused(cli: Cli, account_id: str) -> None:
    outcome = cli(
        "clients",
        "create",
        "--account",
        account_id,
        "--name",
        "x",
        "--scopes",
        "admin",
    )

    assert outcome.status == 1
    # In the terms of the command line, not of an HTTP body ("The request has invalid fields.").
    assert outcome.stderr.startswith("error: --scopes: "), outcome.stderr
    assert "admin" in outcome.stderr
    assert "request" not in outcome.stderr


def test_clients_list_and_disable(cli: Cli, account_id: str) -> None:
    created = cli("clients", "create", "--account", account_id, "--name", "ci", "--json").json()

    disabled = cli("clients", "disable", created["client_id"])
    listed = cli("clients", "list", "--account", account_id, "--json")

    assert disabled.status == 0, disabled.stderr
    assert listed.status == 0
    [client] = listed.json()
    assert client["client_id"] == created["client_id"]
    assert client["name"] == "ci"
    assert client["disabled"] is True
    assert "client_secret" not in client


def test_clients_disable_an_unknown_client_is_refused(cli: Cli) -> None:
    outcome = cli("clients", "disable", "cli_01m8bm00000000000000000000")

    assert outcome.status == 1
    assert "error:" in outcome.stderr


def test_clients_list_for_an_unknown_account_is_refused(cli: Cli) -> None:
    assert cli("clients", "list", "--account", "acct_nope").status == 1


def test_invalid_settings_are_bad_usage(cli: Cli) -> None:
    outcome = cli("accounts", "create", "--name", "x", ALTPAY_RATE_LIMIT="many")

    assert outcome.status == 2
    assert "ALTPAY_RATE_LIMIT" in outcome.stderr


def test_accounts_list_shows_every_account_oldest_first(cli: Cli, account_id: str) -> None:
    second = cli("accounts", "create", "--name", "Globex", "--json").json()

    listed = cli("accounts", "list", "--json")
    as_text = cli("accounts", "list")

    assert listed.status == 0, listed.stderr
    assert listed.json() == [{"id": account_id, "name": "Acme"}, second]
    assert f"id: {account_id}" in as_text.stdout
    assert f"id: {second['id']}" in as_text.stdout


def test_accounts_list_of_a_fresh_database_is_empty(cli: Cli) -> None:
    listed = cli("accounts", "list", "--json")

    assert listed.status == 0, listed.stderr
    assert listed.json() == []


def test_clients_enable_undoes_disable(cli: Cli, account_id: str) -> None:
    created = cli("clients", "create", "--account", account_id, "--name", "ci", "--json").json()
    client_id = created["client_id"]

    states = []
    for command in ("disable", "enable", "enable"):
        outcome = cli("clients", command, client_id)
        assert outcome.status == 0, outcome.stderr
        [client] = cli("clients", "list", "--account", account_id, "--json").json()
        states.append(client["disabled"])

    assert states == [True, False, False]


def test_clients_enable_an_unknown_client_is_refused(cli: Cli) -> None:
    outcome = cli("clients", "enable", "cli_01m8bm00000000000000000000")

    assert outcome.status == 1
    assert outcome.stderr == "error: No client cli_01m8bm00000000000000000000.\n"


def test_help_shows_flags_without_a_type(cli: Cli) -> None:
    shown = cli("clients", "create", "--help")

    assert shown.status == 0
    assert re.search(r"^  --json +Print one JSON document", shown.stdout, re.M), shown.stdout
    assert re.search(r"^  --help +Show this message", shown.stdout, re.M), shown.stdout
    assert "<bool>" not in shown.stdout
