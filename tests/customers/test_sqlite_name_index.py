"""SQLite's company-name trigram index (migration 0009): kept in step with customers, and used
when it serves the filter best.

The exactness of the filter (literal ``%`` and ``_``, short substrings, case folding) is
tested on both backends in tests/core/test_pagination.py; here, what only SQLite has: the
triggers that keep the FTS5 index, the backfill of the migration, and the plans, explained
(``EXPLAIN QUERY PLAN``) for the very statements the service runs, on a table loaded like the
benchmark's.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from altpay.core.db import open_database, reading
from altpay.core.migrate import downgrade, upgrade
from altpay.core.pagination import KeysetList, Page, PageBounds, Position
from altpay.core.settings import Settings
from altpay.core.timestamps import format_timestamp
from altpay.customers.repository import (
    INDEX_DRIVEN_MATCHES,
    CustomerFilters,
    customer_listing,
)
from bench.data import FILTER_WORD, load_sqlite, populate
from tests.support.app import TEST_SIGNING_KEY, app_client
from tests.support.customers import all_customers, create_customer, get_customer
from tests.support.tenants import Tenant, create_tenant

SQLITE = pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
LOADED_CUSTOMERS = 20_000
LIST_INDEX = "ix_customers_account_created"


def _database_file(settings: Settings) -> str:
    return settings.database_url_or_default().removeprefix("sqlite:///")


def _indexed_names(settings: Settings, phrase: str) -> int:
    """How many names the FTS5 index holds the phrase in (every account's)."""
    with sqlite3.connect(_database_file(settings)) as connection:
        query = "SELECT count(*) FROM customer_name_trigrams WHERE customer_name_trigrams MATCH ?"
        count: int = connection.execute(query, (f'"{phrase}"',)).fetchone()[0]
    return count


def _search_keys(settings: Settings) -> int:
    with sqlite3.connect(_database_file(settings)) as connection:
        count: int = connection.execute("SELECT count(*) FROM customer_search_keys").fetchone()[0]
    return count


def _found(api: TestClient, tenant: Tenant, company_name: str, **params: str) -> list[str]:
    reply = api.get(
        "/customers", params={"company_name": company_name, **params}, headers=tenant.headers
    )
    assert reply.status_code == 200, reply.text
    return [item["id"] for item in reply.json()["data"]]


@SQLITE
def test_a_renamed_customer_is_found_by_its_new_name_and_not_its_old(
    api: TestClient, tenant: Tenant, settings: Settings
) -> None:
    customer = create_customer(api, tenant, name="Quokka Labs")
    create_customer(api, tenant, name="Other Quokka Co")

    renamed = api.patch(
        f"/customers/{customer['id']}", json={"name": "Wombat Works"}, headers=tenant.headers
    )

    assert renamed.status_code == 200, renamed.text
    assert _found(api, tenant, "wombat") == [customer["id"]]
    assert customer["id"] not in _found(api, tenant, "quokka labs")
    # The index forgot the old name (the LIKE alone would hide a stale entry).
    assert _indexed_names(settings, "quokka labs") == 0
    assert _indexed_names(settings, "quokka") == 1


@SQLITE
def test_the_filter_sees_an_archive_and_a_restore_at_once(api: TestClient, tenant: Tenant) -> None:
    # The page is decided in the search keys' copies of the customer's columns (0011).
    kept = create_customer(api, tenant, name="Potoroo One")["id"]
    gone = create_customer(api, tenant, name="Potoroo Two")["id"]
    assert api.delete(f"/customers/{gone}", headers=tenant.headers).status_code == 200

    assert _found(api, tenant, "potoroo") == [kept]
    assert _found(api, tenant, "potoroo", include_archived="true") == [gone, kept]
    assert _found(api, tenant, "potoroo", created_at_start="2000-01-01T00:00:00Z") == [kept]

    restored = api.post(f"/customers/{gone}/restore", headers=tenant.headers)

    assert restored.status_code == 200, restored.text
    assert _found(api, tenant, "potoroo") == [gone, kept]


@SQLITE
def test_the_filter_decides_by_the_search_keys_copies(
    api: TestClient, tenant: Tenant, settings: Settings
) -> None:
    # The page is decided in customer_search_keys (0011), not by re-reading customers: a copy
    # out of step (which the triggers never leave) shows in the filter and nowhere else.
    shown = create_customer(api, tenant, name="Quoll One")["id"]
    hidden = create_customer(api, tenant, name="Quoll Two")["id"]
    with sqlite3.connect(_database_file(settings)) as connection:
        connection.execute(
            "UPDATE customer_search_keys SET archived_at = '2026-01-01 00:00:00.000000' "
            "WHERE customer_id = ?",
            (hidden,),
        )

    assert _found(api, tenant, "quoll") == [shown]
    assert hidden in [customer["id"] for customer in all_customers(api, tenant)]
    assert get_customer(api, tenant, customer_id=hidden)["archived_at"] == ""


@SQLITE
def test_a_reset_account_leaves_nothing_in_the_index(
    api: TestClient, tenant: Tenant, settings: Settings
) -> None:
    other = create_tenant(api, name="Other")
    for number in range(3):
        create_customer(api, tenant, name=f"Numbat {number}")
    kept = create_customer(api, other, name="Numbat kept")

    reset = api.post("/sandbox/reset", headers=tenant.headers)

    assert reset.status_code == 200, reset.text
    assert _indexed_names(settings, "numbat") == 1
    assert _search_keys(settings) == 1
    assert _found(api, other, "numbat") == [kept["id"]]


@SQLITE
@pytest.mark.parametrize("before", ["0008", "0010"])
def test_the_migrations_index_the_customers_already_stored(
    api: TestClient, tenant: Tenant, settings: Settings, before: str
) -> None:
    customers = [create_customer(api, tenant, name=f"Bilby {n}")["id"] for n in range(3)]
    assert api.delete(f"/customers/{customers[0]}", headers=tenant.headers).status_code == 200
    downgrade(settings, before)
    upgrade(settings)

    with app_client(settings) as client:
        assert _found(client, tenant, "bilby") == customers[:0:-1]
        assert _found(client, tenant, "bilby", include_archived="true") == customers[::-1]
    assert _indexed_names(settings, "bilby") == 3


# --- plans, on a loaded table -------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    settings: Settings
    account_id: str


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    directory = tmp_path_factory.mktemp("name_index")
    settings = Settings(
        data_dir=directory,
        database_url=f"sqlite:///{directory / 'loaded.db'}",
        signing_key=TEST_SIGNING_KEY,
    )
    upgrade(settings)
    account_id = "acct_01m8y46ez77xzpyqnh1jmkptq7"
    with sqlite3.connect(_database_file(settings)) as connection:
        connection.execute(
            "INSERT INTO accounts (id, name, created_at, updated_at) "
            "VALUES (?, 'Loaded', '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')",
            (account_id,),
        )
    load_sqlite(Path(_database_file(settings)), populate(account_id, LOADED_CUSTOMERS, seed=11))
    return Loaded(settings, account_id)


@dataclass(frozen=True)
class Explained:
    page: Page
    plans: list[list[str]]  # each statement's EXPLAIN QUERY PLAN details, the page last


def _explain(loaded: Loaded, filters: CustomerFilters, bounds: PageBounds) -> Explained:
    async def fetch() -> tuple[KeysetList, dict[str, Any], Page]:
        database = open_database(loaded.settings)
        try:
            async with reading(database) as connection:
                listing, values = await customer_listing(connection, loaded.account_id, filters)
                return listing, values, await listing.fetch(connection, bounds, values)
        finally:
            await database.dispose()

    listing, values, page = asyncio.run(fetch())
    dialect = open_database(loaded.settings).engine.dialect
    plans = []
    with sqlite3.connect(_database_file(loaded.settings)) as connection:
        query, bound = listing.statement(bounds, values)
        compiled = query.compiled(dialect)
        rows = connection.execute(
            f"EXPLAIN QUERY PLAN {compiled.sql}", compiled.parameters(bound)
        ).fetchall()
        plans.append([row[3] for row in rows])
    return Explained(page, plans)


def _expected_ids(loaded: Loaded, name_part: str, *, older_than: Position | None) -> list[str]:
    """The page by LIKE alone, with no index of names: what the filter means."""
    escaped = name_part.replace("/", "//").replace("%", "/%").replace("_", "/_")
    query = (
        "SELECT id FROM customers WHERE account_id = ? AND archived_at IS NULL "
        "AND name_folded LIKE ? ESCAPE '/' AND (created_at, id) < (?, ?) "
        "ORDER BY created_at DESC, id DESC LIMIT 100"
    )
    position = ("9999-12-31 00:00:00.000000", "")
    if older_than is not None:
        position = (format_timestamp(older_than.created_at)[:-1].replace("T", " "), older_than.id)
    with sqlite3.connect(_database_file(loaded.settings)) as connection:
        rows = connection.execute(query, (loaded.account_id, f"%{escaped}%", *position)).fetchall()
    return [row[0] for row in rows]


def _uses_the_name_index(plan: list[str]) -> bool:
    return any(step.startswith("SCAN customer_name_trigrams VIRTUAL TABLE") for step in plan)


def _reads_customers_by_key(plan: list[str]) -> bool:
    return any(
        step.startswith("SEARCH customers USING INDEX sqlite_autoindex_customers_1 (id=?)")
        for step in plan
    )


def _walks_the_list_index(plan: list[str]) -> bool:
    return any(step.startswith(f"SEARCH customers USING INDEX {LIST_INDEX}") for step in plan)


def _scans_customers(plans: list[list[str]]) -> bool:
    return any(step.startswith("SCAN customers") for plan in plans for step in plan)


@pytest.mark.parametrize("cursor", [False, True])
def test_a_rare_substring_is_read_from_the_name_index(loaded: Loaded, cursor: bool) -> None:
    name_part = FILTER_WORD[1:].casefold()  # "uokka": in 0.1% of the account's names
    first = _explain(loaded, CustomerFilters(company_name=name_part.upper()), _bounds(None))
    position = Position(*_row_position(first.page.rows[3])) if cursor else None

    explained = _explain(loaded, CustomerFilters(company_name=name_part), _bounds(position))

    for plan in explained.plans:
        assert _uses_the_name_index(plan), explained.plans
        assert _reads_customers_by_key(plan), explained.plans
        assert not _walks_the_list_index(plan), explained.plans
    assert not _scans_customers(explained.plans)
    expected = _expected_ids(loaded, name_part, older_than=position)
    assert [row.id for row in explained.page.rows] == expected
    assert 0 < len(expected) < 100


@pytest.mark.parametrize("name_part", ["holdings", "ho"])
def test_a_common_or_short_substring_walks_the_list_index(loaded: Loaded, name_part: str) -> None:
    if len(name_part) >= 3:  # the case this test is about: more matches than the index serves
        assert _indexed_names(loaded.settings, name_part) >= INDEX_DRIVEN_MATCHES

    explained = _explain(loaded, CustomerFilters(company_name=name_part), _bounds(None))

    (plan,) = explained.plans
    assert _walks_the_list_index(plan), plan
    assert not _uses_the_name_index(plan), plan
    assert [row.id for row in explained.page.rows] == _expected_ids(
        loaded, name_part, older_than=None
    )


def _bounds(after: Position | None) -> PageBounds:
    return PageBounds(limit=100, after=after, before=None)


def _row_position(row: Any) -> tuple[datetime, str]:
    return datetime.fromisoformat(json.loads(row.item)["created_at"]), row.id
