"""``altpay sandbox …``: a tenant per test run, a tenant's reset, and its fixtures
(``altpay.sandbox``, ``altpay.sandbox_fixtures``). Only while the sandbox is on."""

from __future__ import annotations

from typing import Annotated

import typer

from altpay.cli.common import (
    EXIT_USAGE,
    AccountOption,
    JsonOption,
    emit,
    fail,
    in_transaction,
    option_name,
    sandbox_settings,
    say,
)
from altpay.cli.fixtures import export_fixtures, import_fixtures

sandbox = typer.Typer(help="Sandbox tools (only while the sandbox is on).", no_args_is_help=True)


def create_tenant(
    name: Annotated[str, typer.Option(help="The account's name.")] = "Sandbox tenant",
    ttl: Annotated[
        str | None,
        typer.Option(help="Delete the tenant with all its data after this long: 90s, 30m, 1h, 7d."),
    ] = None,
    as_json: bool = JsonOption,
) -> None:
    """Create an account and an API client with every scope, for one test run; print
    account_id, client_id and client_secret (shown only now)."""
    from pydantic import ValidationError

    from altpay.core.http.body import validation_messages
    from altpay.sandbox import service
    from altpay.sandbox.schemas import CreateTenantInput

    settings = sandbox_settings()
    try:
        data = CreateTenantInput(name=name, ttl=ttl)
    except ValidationError as error:
        problems = validation_messages(error).items()
        fail("; ".join(f"{option_name(field)}: {text}" for field, text in problems), EXIT_USAGE)
    tenant = in_transaction(settings, lambda connection: service.create_tenant(connection, data))
    emit(tenant, as_json)
    if not as_json:
        say("Keep the client secret now: it is stored only as a hash and cannot be shown again.")


def reset_tenant(account: AccountOption, as_json: bool = JsonOption) -> None:
    """Delete every customer, user, payment method, idempotency key, webhook event and
    subscription of the account, in one transaction (its clients and request log stay)."""
    from altpay.sandbox import service

    settings = sandbox_settings()
    report = in_transaction(settings, lambda connection: service.reset(connection, account))
    if as_json:
        emit(report, as_json=True)
        return
    counts = ", ".join(f"{count} {kind}" for kind, count in report.deleted.model_dump().items())
    say(f"Reset {report.account_id}: deleted {counts}.")


sandbox.command("tenant")(create_tenant)
sandbox.command("reset")(reset_tenant)
sandbox.command("export")(export_fixtures)
sandbox.command("import")(import_fixtures)
