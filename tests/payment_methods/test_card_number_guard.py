"""No body may carry a card number: refused before it is validated, logged or stored.

Every JSON body of the API passes the guard (``core/http/body.py``), in any string field,
known or unknown, at any depth; a bank account number is the one field exempt.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi.testclient import TestClient

from tests.support import postgres
from tests.support.customers import new_customer
from tests.support.errors import assert_http_error
from tests.support.payment_methods import US_BANK, add_bank, card_body, methods_url
from tests.support.server import Server, bearer, server_env, serving
from tests.support.sqlite import sqlite_database
from tests.support.tenants import Tenant, provision

VISA = "4242 4242 4242 4242"
AMEX = "3782-822463-10005"


def _bank_with(**fields: Any) -> dict[str, Any]:
    return {**US_BANK, **fields}


# (path under the customer, or "" for the customer routes; method; body; the field named).
CASES = [
    ("/payment-methods/card", "POST", card_body(custom_name=VISA), "custom_name"),
    ("/payment-methods/card", "POST", card_body(VISA), "card_provider_token"),
    ("/payment-methods/bank", "POST", _bank_with(receiver_name=AMEX), "receiver_name"),
    ("/payment-methods/bank", "POST", _bank_with(custom_name=f"x{VISA}x"), "custom_name"),
    ("/payment-methods/card", "POST", card_body(pan="4000056655665556"), "pan"),
    (
        "/payment-methods/bank",
        "POST",
        _bank_with(us_account_data={**US_BANK["us_account_data"], "note": VISA}),
        "us_account_data.note",
    ),
    ("/payment-methods/card", "POST", card_body(meta={"cards": ["ok", AMEX]}), "meta.cards.1"),
    ("/users", "POST", {"email": "a@b.co", "first_name": VISA, "last_name": "X"}, "first_name"),
    ("", "PATCH", {"name": VISA}, "name"),
]


@pytest.mark.parametrize(("path", "method", "body", "field"), CASES)
def test_a_card_number_anywhere_is_refused_naming_its_field(
    api: TestClient, tenant: Tenant, path: str, method: str, body: dict[str, Any], field: str
) -> None:
    customer_id = new_customer(api, tenant)

    reply = api.request(
        method, f"/customers/{customer_id}{path}", json=body, headers=tenant.headers
    )

    assert_http_error(reply, 422, "card_number_not_allowed", fields=[field])
    assert "4242" not in reply.text
    assert "3782" not in reply.text
    assert api.get(methods_url(customer_id), headers=tenant.headers).json() == {"data": []}


def test_a_customer_named_by_a_card_number_is_refused(api: TestClient, tenant: Tenant) -> None:
    reply = api.post("/customers", json={"name": VISA, "email": "a@b.co"}, headers=tenant.headers)

    assert_http_error(reply, 422, "card_number_not_allowed", fields=["name"])
    assert api.get("/customers", headers=tenant.headers).json()["data"] == []


def test_the_guard_comes_before_field_validation(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    body = {"provider": 7, "custom_name": VISA}

    reply = api.post(f"{methods_url(customer_id)}/card", json=body, headers=tenant.headers)

    assert_http_error(reply, 422, "card_number_not_allowed", fields=["custom_name"])


def test_a_bank_account_number_may_look_like_a_card_number(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    us_data = {**US_BANK["us_account_data"], "account_number": "4242424242424242"}

    method = add_bank(api, tenant, customer_id, {**US_BANK, "us_account_data": us_data})

    assert method["last4"] == "4242"


def test_digits_that_fail_the_luhn_check_are_text(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    body = card_body(custom_name="4242 4242 4242 4241")

    reply = api.post(f"{methods_url(customer_id)}/card", json=body, headers=tenant.headers)

    assert reply.status_code == 201, reply.text
    assert reply.json()["custom_name"] == "4242 4242 4242 4241"


# --- nothing of it in the log or the database --------------------------------------------

SECRET_DIGITS = "4000056655665556"  # a Luhn-valid test number used nowhere else


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    with ExitStack() as stack:
        if request.param == "postgresql":
            postgres.require_server()
            url = stack.enter_context(postgres.migrated_database("altpay_guard"))
        else:
            url = sqlite_database(tmp_path / "db")
        env = server_env(tmp_path, url, ALTPAY_LOG_LEVEL="debug")
        (started,) = stack.enter_context(serving(env))
        yield started


def _stored_text(database_url: str) -> str:
    """Every byte of the SQLite files, or every row of every PostgreSQL table, as text."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        files = [path, *path.parent.glob(f"{path.name}-*")]
        return "".join(file.read_bytes().decode("latin-1") for file in files)

    async def dump() -> str:
        connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
        try:
            tables = await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
            rows = [
                await connection.fetch(f'SELECT * FROM "{table["tablename"]}"') for table in tables
            ]
        finally:
            await connection.close()
        return json.dumps([[dict(row) for row in table] for table in rows], default=str)

    return asyncio.run(dump())


def test_a_refused_card_number_is_in_no_log_line_and_no_row(server: Server) -> None:
    (client,) = provision(server.database_url)
    spaced = " ".join(SECRET_DIGITS[i : i + 4] for i in range(0, 16, 4))
    with httpx.Client(base_url=server.base_url, headers=bearer(server, client)) as api:
        customer = api.post("/customers", json={"name": "Guarded", "email": "g@guard.example"})
        assert customer.status_code == 201, customer.text
        customer_id = customer.json()["id"]
        refused = [
            api.post("/customers", json={"name": SECRET_DIGITS, "email": "a@b.co"}),
            api.patch(f"/customers/{customer_id}", json={"legal_name": spaced}),
            api.post(
                f"{methods_url(customer_id)}/card",
                json=card_body(custom_name=SECRET_DIGITS),
                headers={"Idempotency-Key": "guard-1"},
            ),
            api.post(f"{methods_url(customer_id)}/bank", json={**US_BANK, "x": SECRET_DIGITS}),
            api.post(f"/customers/{customer_id}/users", json={"email": SECRET_DIGITS}),
        ]
    assert [reply.status_code for reply in refused] == [422] * len(refused)
    assert {reply.json()["code"] for reply in refused} == {"card_number_not_allowed"}
    server.stop()

    for text in (server.output(), _stored_text(server.database_url)):
        assert SECRET_DIGITS not in text
        assert spaced not in text
