"""The sandbox's controls as a test drives them: tenants made through ``POST /sandbox/tenants``,
the request log read whole, and the rows a table holds for an account."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Table, select

from altpay.core.db import SqlConnection
from tests.support.app import write_in_app
from tests.support.tenants import Tenant

ADMIN_TOKEN = "sandbox-admin-token-for-the-tests"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def new_tenant(api: TestClient, **body: Any) -> Tenant:
    """A tenant from ``POST /sandbox/tenants`` (the admin token), signed in."""
    reply = api.post("/sandbox/tenants", json=body, headers=ADMIN)
    assert reply.status_code == 201, reply.text
    created = reply.json()
    token = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(created["client_id"], created["client_secret"]),
    )
    assert token.status_code == 200, token.text
    return Tenant(
        account_id=created["account_id"],
        client_id=created["client_id"],
        client_secret=created["client_secret"],
        token=token.json()["access_token"],
        scopes=tuple(created["scopes"]),
    )


def logged_requests(api: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    """Every entry of the tenant's request log, newest first, page after page."""
    entries: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        reply = api.get("/sandbox/requests", params=params, headers=tenant.headers)
        assert reply.status_code == 200, reply.text
        page = reply.json()
        entries.extend(page["data"])
        if not page["has_next_page"]:
            return entries
        params = {"limit": 100, "after": page["end_cursor"]}


def rows_of(api: TestClient, table: Table, **where: Any) -> list[dict[str, Any]]:
    """The rows of ``table`` whose columns equal ``where``, read in the app's database."""

    async def read(connection: SqlConnection) -> list[dict[str, Any]]:
        conditions = [table.c[name] == value for name, value in where.items()]
        result = await connection.execute(select(table).where(*conditions))
        return [dict(row._mapping) for row in result]

    return write_in_app(api, read)
