"""``altpay accounts …`` and ``altpay clients …``: tenants and their API credentials."""

from __future__ import annotations

from typing import Annotated

import typer

from altpay.cli.common import JsonOption, emit, in_transaction, load_settings, say

accounts = typer.Typer(help="Accounts (tenants).", no_args_is_help=True)
clients = typer.Typer(help="API clients: the credentials integrators use.", no_args_is_help=True)


@accounts.command("create")
def create_account(
    name: Annotated[str, typer.Option(help="The account's name.")],
    as_json: bool = JsonOption,
) -> None:
    """Create an account."""
    from altpay.auth import service

    account = in_transaction(
        load_settings(), lambda connection: service.create_account(connection, name)
    )
    emit(account, as_json)


@accounts.command("list")
def list_accounts(as_json: bool = JsonOption) -> None:
    """List every account, oldest first (the sandbox account is the first)."""
    from altpay.auth import service

    listed = in_transaction(load_settings(), service.list_accounts)
    emit(list(listed), as_json)


@clients.command("create")
def create_client(
    account: Annotated[str, typer.Option(help="The account the client acts for (acct_…).")],
    name: Annotated[str, typer.Option(help="A name to recognise the client by.")],
    scopes: Annotated[
        str,
        typer.Option(
            help='Space-separated, of "customers:read customers:write webhooks:read '
            'webhooks:write".'
        ),
    ] = "customers:read customers:write",
    as_json: bool = JsonOption,
) -> None:
    """Create an API client; its secret is shown only now."""
    from altpay.auth import service

    created = in_transaction(
        load_settings(),
        lambda connection: service.create_client(
            connection, account_id=account, name=name, scopes=scopes
        ),
    )
    emit(created, as_json)
    say("Keep the client secret now: it is stored only as a hash and cannot be shown again.")


@clients.command("list")
def list_clients(
    account: Annotated[str, typer.Option(help="The account (acct_…).")],
    as_json: bool = JsonOption,
) -> None:
    """List an account's API clients (never their secrets)."""
    from altpay.auth import service

    listed = in_transaction(
        load_settings(), lambda connection: service.list_clients(connection, account)
    )
    emit(list(listed), as_json)


@clients.command("disable")
def disable_client(
    client_id: Annotated[str, typer.Argument(help="The client to disable (cli_…).")],
) -> None:
    """Disable a client: no new tokens, and its tokens stop working within a minute."""
    from altpay.auth import service

    in_transaction(
        load_settings(), lambda connection: service.disable_client(connection, client_id)
    )
    say(f"Client {client_id} is disabled.")


@clients.command("enable")
def enable_client(
    client_id: Annotated[str, typer.Argument(help="The client to enable again (cli_…).")],
) -> None:
    """Enable a disabled client again: it gets tokens, and works within a minute."""
    from altpay.auth import service

    in_transaction(load_settings(), lambda connection: service.enable_client(connection, client_id))
    say(f"Client {client_id} is enabled.")
