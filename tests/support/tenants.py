"""Accounts and API clients for the tests, with tokens from ``/oauth/token``.

The API has no route that creates an account or a client (the CLI does): they are written
straight to the database through ``write_in_app``, by the app's own auth service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from altpay.auth import service as auth_service
from altpay.auth.schemas import NewClientOut
from altpay.auth.tokens import ALL_SCOPES
from altpay.core.db import SqlConnection
from altpay.core.settings import Settings
from tests.support.app import TEST_SIGNING_KEY, app_client, write_in_app


@dataclass
class Tenant:
    """An account with one API client and a token for it."""

    account_id: str
    client_id: str
    client_secret: str
    token: str
    scopes: tuple[str, ...]
    headers: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.headers = {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class ApiClient:
    """An API client's credentials, without a token (for tests against a server process)."""

    account_id: str
    client_id: str
    client_secret: str


def new_clients(
    api: TestClient,
    *,
    names: Sequence[str],
    scopes: Sequence[str] = ALL_SCOPES,
    account_id: str | None = None,
    account_name: str = "Acme",
) -> list[NewClientOut]:
    """API clients named ``names``, of ``account_id`` or else of a new account."""

    async def work(connection: SqlConnection) -> list[NewClientOut]:
        owner = account_id or (await auth_service.create_account(connection, account_name)).id
        return [
            await auth_service.create_client(
                connection, account_id=owner, name=name, scopes=" ".join(scopes)
            )
            for name in names
        ]

    return write_in_app(api, work)


def disable_client(api: TestClient, client_id: str) -> None:
    async def work(connection: SqlConnection) -> None:
        await auth_service.disable_client(connection, client_id)

    write_in_app(api, work)


def signed_in(api: TestClient, client: NewClientOut) -> Tenant:
    """The tenant of a freshly created API client, with a token from /oauth/token."""
    reply = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.client_secret),
    )
    assert reply.status_code == 200, reply.text
    return Tenant(
        account_id=client.account_id,
        client_id=client.client_id,
        client_secret=client.client_secret,
        token=reply.json()["access_token"],
        scopes=tuple(client.scopes),
    )


def create_tenant(
    api: TestClient, *, scopes: Sequence[str] = ALL_SCOPES, name: str = "Acme"
) -> Tenant:
    """A new account named ``name``, with one client holding ``scopes``, signed in."""
    (client,) = new_clients(api, names=[f"{name} client"], scopes=scopes, account_name=name)
    return signed_in(api, client)


def client_of_same_account(api: TestClient, tenant: Tenant, *, scope: str) -> Tenant:
    """Another API client of ``tenant``'s account, holding only ``scope``, signed in."""
    (client,) = new_clients(
        api, names=[f"{scope} only"], scopes=[scope], account_id=tenant.account_id
    )
    return signed_in(api, client)


def provision(database_url: str, clients: int = 1, name: str = "Ops") -> list[ApiClient]:
    """One account with ``clients`` API clients (all scopes) in the database of a server
    process, written by an app of this process on the same database."""
    settings = Settings(database_url=database_url, signing_key=TEST_SIGNING_KEY)
    if database_url.startswith("sqlite:///"):
        # The app's data dir beside the file, not in the working directory.
        sqlite_file = Path(database_url.removeprefix("sqlite:///"))
        settings = settings.model_copy(update={"data_dir": sqlite_file.parent})
    with app_client(settings) as api:
        names = [f"{name} client {number}" for number in range(clients)]
        created = new_clients(api, names=names, account_name=name)
    return [ApiClient(c.account_id, c.client_id, c.client_secret) for c in created]
