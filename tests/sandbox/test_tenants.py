"""A tenant per test run: ``POST /sandbox/tenants`` and ``altpay sandbox tenant``, with a time
to live after which the tenant is deleted with all its data."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import update

from altpay.auth.models import accounts, api_clients
from altpay.auth.tokens import ALL_SCOPES
from altpay.core.db import SqlConnection
from altpay.core.settings import Settings
from altpay.customers.models import customers
from altpay.sandbox.models import sandbox_requests
from tests.support.app import app_client, write_in_app
from tests.support.customers import create_customer
from tests.support.payment_methods import add_card
from tests.support.sandbox import ADMIN, new_tenant, rows_of
from tests.support.sandbox_fixtures import cli_on

SWEEP_WAIT_SECONDS = 15


def test_a_tenant_is_an_account_and_a_client_with_every_scope(api: TestClient) -> None:
    reply = api.post("/sandbox/tenants", json={"name": "CI run 42"}, headers=ADMIN)

    assert reply.status_code == 201, reply.text
    created = reply.json()
    assert set(created) == {
        "account_id", "name", "client_id", "client_secret", "scopes", "expires_at"
    }  # fmt: skip
    assert created["account_id"].startswith("acct_")
    assert created["client_id"].startswith("cli_")
    assert created["client_secret"].startswith("sk_")
    assert created["name"] == "CI run 42"
    assert created["scopes"] == list(ALL_SCOPES)
    assert created["expires_at"] is None
    token = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(created["client_id"], created["client_secret"]),
    )
    assert token.status_code == 200
    assert set(token.json()["scope"].split()) == set(ALL_SCOPES)


def test_tenants_are_isolated_from_each_other(api: TestClient) -> None:
    first, second = new_tenant(api), new_tenant(api)
    customer = create_customer(api, first)

    assert first.account_id != second.account_id
    assert api.get(f"/customers/{customer['id']}", headers=second.headers).status_code == 404
    assert api.get("/customers", headers=second.headers).json()["data"] == []


def test_an_empty_body_makes_a_tenant_with_the_defaults(api: TestClient) -> None:
    reply = api.post("/sandbox/tenants", headers=ADMIN)

    assert reply.status_code == 201, reply.text
    assert reply.json()["name"] == "Sandbox tenant"


@pytest.mark.parametrize(
    ("ttl", "seconds"), [("90s", 90), ("30m", 1800), ("1h", 3600), ("7d", 604800), (600, 600)]
)
def test_a_ttl_sets_when_the_tenant_ends(api: TestClient, ttl: object, seconds: int) -> None:
    before = datetime.now(UTC)
    reply = api.post("/sandbox/tenants", json={"ttl": ttl}, headers=ADMIN)

    assert reply.status_code == 201, reply.text
    expires_at = datetime.fromisoformat(reply.json()["expires_at"].replace("Z", "+00:00"))
    assert before + timedelta(seconds=seconds) <= expires_at
    assert expires_at <= datetime.now(UTC) + timedelta(seconds=seconds)


def test_a_tenant_at_its_end_gets_no_token_before_it_is_deleted(api: TestClient) -> None:
    created = api.post("/sandbox/tenants", json={"ttl": "1h"}, headers=ADMIN).json()

    async def end_now(connection: SqlConnection) -> None:
        query = update(accounts).where(accounts.c.id == created["account_id"])
        await connection.execute(query.values(expires_at=datetime.now(UTC)))

    write_in_app(api, end_now)
    refused = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(created["client_id"], created["client_secret"]),
    )

    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


def test_no_token_outlives_its_tenant(api: TestClient) -> None:
    created = api.post("/sandbox/tenants", json={"ttl": "60s"}, headers=ADMIN).json()

    token = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(created["client_id"], created["client_secret"]),
    )

    assert token.status_code == 200
    assert 1 <= token.json()["expires_in"] <= 60


@pytest.mark.parametrize(
    "body",
    [
        {"ttl": "0s"},
        {"ttl": "31d"},
        {"ttl": "1w"},
        {"ttl": "-5"},
        {"ttl": True},
        {"name": ""},
        {"name": "x" * 256},
        {"colour": "blue"},
    ],
)
def test_a_bad_tenant_is_refused_whole(api: TestClient, body: dict[str, object]) -> None:
    before = len(rows_of(api, accounts))
    reply = api.post("/sandbox/tenants", json=body, headers=ADMIN)

    assert reply.status_code == 422, reply.text
    assert reply.json()["code"] == "validation_error"
    assert set(reply.json()["validation_errors"]) == set(body)
    assert len(rows_of(api, accounts)) == before


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-the-token"}, {"Authorization": "Basic YWRtaW46eA=="}],
)
def test_without_the_admin_token_no_tenant_is_made(
    api: TestClient, headers: dict[str, str]
) -> None:
    before = len(rows_of(api, accounts))
    reply = api.post("/sandbox/tenants", json={}, headers=headers)

    assert reply.status_code == 401
    assert reply.json()["code"] == "unauthorized"
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert len(rows_of(api, accounts)) == before


def test_a_tenants_token_is_not_the_admin_token(api: TestClient) -> None:
    tenant = new_tenant(api)

    assert api.post("/sandbox/tenants", json={}, headers=tenant.headers).status_code == 401


def test_without_an_admin_token_configured_loopback_callers_may_create_tenants(
    settings: Settings,
) -> None:
    with app_client(settings, peer=("127.0.0.1", 40000)) as local:
        assert local.post("/sandbox/tenants", json={}).status_code == 201
    with app_client(settings, peer=("::1", 40000)) as local:
        assert local.post("/sandbox/tenants", json={}).status_code == 201
    with app_client(settings, peer=("10.1.2.3", 40000)) as remote:
        refused = remote.post("/sandbox/tenants", json={})
        assert refused.status_code == 403
        assert refused.json()["code"] == "forbidden"


def test_a_blank_admin_token_is_no_token(settings: Settings) -> None:
    blank = settings.model_copy(update={"sandbox_admin_token": SecretStr("")})
    blank = Settings.model_validate(blank.model_dump())
    with app_client(blank, peer=("10.1.2.3", 40000)) as remote:
        refused = remote.post("/sandbox/tenants", json={}, headers={"Authorization": "Bearer"})

    assert refused.status_code == 403


def test_a_tenant_past_its_ttl_is_deleted_with_all_its_data(api: TestClient) -> None:
    # Long enough for a slow machine to write through the doomed tenant's token (capped at
    # its ttl); its request log is then watched in the database, where no token expires.
    doomed, kept = new_tenant(api, ttl="5s"), new_tenant(api, ttl="1h")
    for tenant in (doomed, kept):
        customer = create_customer(api, tenant)
        add_card(api, tenant, customer["id"])
    deadline = time.monotonic() + SWEEP_WAIT_SECONDS
    while not rows_of(api, sandbox_requests, account_id=doomed.account_id):
        assert time.monotonic() < deadline, "the doomed tenant's requests were never logged"
        time.sleep(0.05)

    while rows_of(api, accounts, id=doomed.account_id) and time.monotonic() < deadline:
        time.sleep(0.2)

    assert rows_of(api, accounts, id=doomed.account_id) == []
    for table in (customers, api_clients, sandbox_requests):
        assert rows_of(api, table, account_id=doomed.account_id) == []
    refused = api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(doomed.client_id, doomed.client_secret),
    )
    assert refused.status_code == 401
    assert len(rows_of(api, customers, account_id=kept.account_id)) == 1
    assert api.get("/customers", headers=kept.headers).json()["data"]


def test_the_cli_makes_a_tenant_in_one_call(sandbox_settings: Settings) -> None:
    cli = cli_on(sandbox_settings.database_url_or_default(), sandbox_settings.data_dir)

    made = cli("sandbox", "tenant", "--name", "CI job 7", "--ttl", "1h", "--json")

    assert made.status == 0, made.stderr
    tenant = made.json()
    assert {"account_id", "client_id", "client_secret"} <= set(tenant)
    assert tenant["name"] == "CI job 7"
    assert tenant["expires_at"] is not None
    with app_client(sandbox_settings) as api:
        token = api.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(tenant["client_id"], tenant["client_secret"]),
        )
        assert token.status_code == 200
    assert cli("sandbox", "tenant", "--ttl", "soon").status == 2


def test_the_cli_refuses_tenants_when_the_sandbox_is_off(sandbox_settings: Settings) -> None:
    cli = cli_on(sandbox_settings.database_url_or_default(), sandbox_settings.data_dir)

    refused = cli("sandbox", "tenant", ALTPAY_ENV="production", ALTPAY_SANDBOX="false")

    assert refused.status == 2
    assert "sandbox is off" in refused.stderr
