"""Accounts, API clients and the client-credentials grant. No HTTP here, and no commit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from altpay.auth import repository
from altpay.auth.errors import (
    ClientAuthenticationFailed,
    InvalidScope,
    UnknownAccount,
    UnknownClient,
)
from altpay.auth.schemas import AccountOut, ClientOut, NewClientOut
from altpay.auth.secrets import HashedSecret, hash_secret, new_secret, secret_matches
from altpay.auth.tokens import ALL_SCOPES, IssuedToken, TokenService
from altpay.core.db import SqlConnection
from altpay.core.errors import ValidationFailed
from altpay.core.ids import new_id
from altpay.core.timestamps import format_timestamp, utc_now

MAX_NAME_LENGTH = 255


def parse_scopes(text: str) -> tuple[str, ...]:
    """Space-separated scopes, known ones only, in canonical order."""
    requested = set(text.split())
    unknown = requested - set(ALL_SCOPES)
    if unknown:
        raise InvalidScope(f"unknown scope: {' '.join(sorted(unknown))}")
    return tuple(scope for scope in ALL_SCOPES if scope in requested)


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise ValidationFailed(
            validation_errors={"name": f"must be 1 to {MAX_NAME_LENGTH} printable characters"}
        )
    return name


async def create_account(
    connection: SqlConnection, name: str, *, expires_at: datetime | None = None
) -> AccountOut:
    """A new account; one with ``expires_at`` is a sandbox tenant deleted at that time."""
    account = AccountOut(id=new_id("acct"), name=_checked_name(name))
    now = utc_now()
    await repository.insert_account(
        connection,
        {**account.model_dump(), "created_at": now, "updated_at": now, "expires_at": expires_at},
    )
    return account


async def create_client(
    connection: SqlConnection, *, account_id: str, name: str, scopes: str
) -> NewClientOut:
    try:
        granted = parse_scopes(scopes)
    except InvalidScope as error:
        raise ValidationFailed(validation_errors={"scopes": str(error)}) from error
    if not granted:
        raise ValidationFailed(validation_errors={"scopes": "at least one scope is required"})
    checked_name = _checked_name(name)
    if await repository.get_account(connection, account_id) is None:
        raise UnknownAccount(f"No account {account_id}.")
    secret = new_secret()
    hashed = hash_secret(secret)
    client_id = new_id("cli")
    now = utc_now()
    await repository.insert_client(
        connection,
        {
            "id": client_id,
            "account_id": account_id,
            "name": checked_name,
            "secret_key": hashed.key,
            "secret_hash": hashed.digest,
            "scopes": " ".join(granted),
            "created_at": now,
            "updated_at": now,
        },
    )
    return NewClientOut(
        client_id=client_id, client_secret=secret, account_id=account_id, scopes=list(granted)
    )


async def list_clients(connection: SqlConnection, account_id: str) -> list[ClientOut]:
    if await repository.get_account(connection, account_id) is None:
        raise UnknownAccount(f"No account {account_id}.")
    return [_client_out(row) for row in await repository.list_clients(connection, account_id)]


def _client_out(row: Any) -> ClientOut:
    return ClientOut(
        client_id=row.id,
        name=row.name,
        account_id=row.account_id,
        scopes=row.scopes.split(),
        created_at=format_timestamp(row.created_at),
        disabled=row.disabled_at is not None,
    )


async def list_accounts(connection: SqlConnection) -> list[AccountOut]:
    return [
        AccountOut(id=row.id, name=row.name) for row in await repository.list_accounts(connection)
    ]


async def disable_client(connection: SqlConnection, client_id: str) -> None:
    await _set_client_enabled(connection, client_id, enabled=False)


async def enable_client(connection: SqlConnection, client_id: str) -> None:
    await _set_client_enabled(connection, client_id, enabled=True)


async def _set_client_enabled(connection: SqlConnection, client_id: str, *, enabled: bool) -> None:
    client = await repository.get_client(connection, client_id)
    if client is None:
        raise UnknownClient(f"No client {client_id}.")
    if enabled == (client.disabled_at is None):
        return  # already so: a disabled client keeps the time it was first disabled
    now = utc_now()
    await repository.set_client_disabled_at(
        connection, client_id, None if enabled else now, now=now
    )


async def grant_client_credentials(
    connection: SqlConnection,
    tokens: TokenService,
    *,
    client_id: str,
    client_secret: str,
    scope: str | None,
) -> IssuedToken:
    """Authenticates the client and issues a token for the requested (or all) scopes.

    Raises ClientAuthenticationFailed, or InvalidScope for a scope the client may not have.
    """
    client = await repository.get_client(connection, client_id)
    if client is None or client.disabled_at is not None:
        raise ClientAuthenticationFailed
    if not secret_matches(client_secret, HashedSecret(client.secret_key, client.secret_hash)):
        raise ClientAuthenticationFailed
    # A sandbox tenant at its end (its sweep a second away at most) is gone for its clients.
    ends_at = client.account_expires_at
    if ends_at is not None and ends_at <= utc_now() + timedelta(seconds=1):
        raise ClientAuthenticationFailed
    allowed = tuple(client.scopes.split())
    # An absent, empty or blank scope asks for every scope the client has.
    granted = parse_scopes(scope or "") or allowed
    if not set(granted) <= set(allowed):
        raise InvalidScope("the client may not have the requested scope")
    return tokens.issue(
        client_id=client.id, account_id=client.account_id, scopes=granted, not_after=ends_at
    )
