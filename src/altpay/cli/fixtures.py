"""``altpay sandbox export`` and ``altpay sandbox import``: an account's customers, with their
users and payment methods, to a fixture file and back (``altpay.sandbox_fixtures``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from altpay.cli.common import (
    EXIT_USAGE,
    AccountOption,
    JsonOption,
    emit,
    fail,
    in_transaction,
    sandbox_settings,
)


def export_fixtures(account: AccountOption) -> None:
    """Print the account's customers (archived ones too), users and payment methods as a
    fixture file (JSON, format altpay-fixtures, version 1)."""
    from altpay.sandbox_fixtures import service

    settings = sandbox_settings()
    fixtures = in_transaction(
        settings, lambda connection: service.export_fixtures(connection, account)
    )
    sys.stdout.write(fixtures.model_dump_json(indent=2) + "\n")


def import_fixtures(
    account: AccountOption,
    file: Annotated[Path, typer.Argument(help="A file written by `altpay sandbox export`.")],
    as_json: bool = JsonOption,
) -> None:
    """Create a fixture file's customers in the account, all or nothing. An id already taken
    is replaced by a new one, and each such change is reported."""
    from altpay.sandbox_fixtures import service
    from altpay.sandbox_fixtures.errors import InvalidFixtures

    settings = sandbox_settings()
    try:
        fixtures = service.read_fixtures(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {file}: {error}", EXIT_USAGE)
    except InvalidFixtures as error:
        fail(f"{file}: {error.message}", EXIT_USAGE)
    report = in_transaction(
        settings, lambda connection: service.import_fixtures(connection, account, fixtures)
    )
    if as_json:
        emit(report, as_json=True)
        return
    for recorded, given in report.remapped_ids.items():
        typer.echo(f"remapped {recorded} -> {given} (the id was taken)", err=True)
    for customer_id, external_id in report.cleared_external_ids.items():
        typer.echo(
            f"cleared external_id {external_id} of {customer_id} (used in this account)", err=True
        )
    typer.echo(
        f"Imported {report.customers} customers, {report.users} users and "
        f"{report.payment_methods} payment methods into {report.account_id}.",
        err=True,
    )
