"""PostgreSQL plans of the customer list on 200,000 customers: index scans, never a table scan.

The statements explained are the ones the service runs: ``KeysetList.fetch`` of
``customer_listing(...)`` runs ``KeysetList.statements``, in the service's own read, and
exactly those (their SQL and the parameters the driver gets) are explained after ``ANALYZE``,
as the read pool's connections run them: prepared (asyncpg prepares each statement), run six
times (a prepared statement may switch to its generic plan after five), under the pool's
``plan_cache_mode``. The page fetched is checked to be the right one.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import asyncpg
import pytest
from sqlalchemy import func, select

from altpay.core.db import AsyncDatabase, ReadQuery, open_database
from altpay.core.ids import new_id
from altpay.core.migrate import upgrade
from altpay.core.pagination import KeysetList, Page, PageBounds, Position
from altpay.customers.models import customers
from altpay.customers.repository import CustomerFilters, customer_listing
from altpay.payment_methods.models import payment_methods
from altpay.settings import Settings
from tests.support import postgres
from tests.support.app import TEST_SIGNING_KEY

CUSTOMERS = 200_000
OTHER_ACCOUNT_CUSTOMERS = 3_000
# A word only a few hundred names carry, for a selective company-name filter.
RARE_WORD = "Quokkaworks"
RARE_EVERY = 500
ARCHIVED_EVERY = 97
WITH_PAYMENT_METHODS_EVERY = 10
PAGE_LIMIT = 100

PAGE_INDEX = "ix_customers_account_created"
TRIGRAM_INDEX = "ix_customers_name_trgm"
INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}

CUSTOMER_COLUMNS = (
    "id",
    "account_id",
    "name",
    "name_folded",
    "legal_name",
    "email",
    "ein",
    "external_id",
    "street_address",
    "sub_premise",
    "city",
    "state",
    "postal_code",
    "country",
    "archived_at",
    "created_at",
    "updated_at",
)
METHOD_COLUMNS = (
    "id",
    "customer_id",
    "type",
    "brand",
    "last4",
    "exp_month",
    "exp_year",
    "is_default",
    "created_at",
    "updated_at",
)


class Stored(NamedTuple):
    created_at: datetime
    id: str
    archived: bool
    rare: bool


@dataclass(frozen=True)
class Loaded:
    url: str
    account_id: str
    newest_first: list[Stored]  # every customer of the big account


def _customer_records(
    account_id: str, count: int, start: datetime, rng: random.Random
) -> list[tuple[Any, ...]]:
    records = []
    for number in range(count):
        name = (
            f"{RARE_WORD} Trading {number}"
            if number % RARE_EVERY == 7
            else f"Company {number} Holdings"
        )
        # One customer every 37 seconds or so, over three months, at uneven microseconds.
        created_at = start + timedelta(seconds=number * 37, microseconds=rng.randrange(10**6))
        archived_at = created_at + timedelta(days=1) if number % ARCHIVED_EVERY == 3 else None
        records.append(
            (
                new_id("cus"),
                account_id,
                name,
                name.casefold(),
                f"{name} LLC",
                f"billing{number}@example.com",
                "",
                f"ext-{number}" if number % 2 else None,
                f"{number} Main Street",
                "",
                "Springfield",
                "IL",
                "62701",
                "US",
                archived_at,
                created_at,
                created_at,
            )
        )
    return records


def _method_records(customer_records: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A default and a spare card for one customer in ten."""
    records = []
    for number, customer in enumerate(customer_records[::WITH_PAYMENT_METHODS_EVERY]):
        customer_id, created_at = customer[0], customer[15]
        for is_default in (False, True):
            card = ("card", "visa", f"{number % 10000:04d}", "12", "2030")
            records.append((new_id("pm"), customer_id, *card, is_default, created_at, created_at))
    return records


async def _load(url: str) -> Loaded:
    rng = random.Random(20261126)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    account_id, other_id = new_id("acct"), new_id("acct")
    theirs = _customer_records(other_id, OTHER_ACCOUNT_CUSTOMERS, start, rng)
    mine = _customer_records(account_id, CUSTOMERS, start, rng)
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.executemany(
            "INSERT INTO accounts (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)",
            [(account_id, "Big", start), (other_id, "Small", start)],
        )
        for records in (theirs, mine):
            await connection.copy_records_to_table(
                "customers", records=records, columns=CUSTOMER_COLUMNS
            )
        await connection.copy_records_to_table(
            "payment_methods", records=_method_records(mine), columns=METHOD_COLUMNS
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    stored = [
        Stored(record[15], record[0], record[14] is not None, RARE_WORD in record[2])
        for record in mine
    ]
    return Loaded(url, account_id, sorted(stored, reverse=True))


@pytest.fixture(scope="module")
def loaded() -> Iterator[Loaded]:
    postgres.require_server()
    url = postgres.create_database("altpay_plans")
    try:
        upgrade(Settings(database_url=url, signing_key=TEST_SIGNING_KEY))
        yield asyncio.run(_load(url))
    finally:
        postgres.drop_database(url)


# The plan cache mode of the connections the hot reads run on.
PLAN_CACHE_MODE = ReadQuery(select(func.current_setting("plan_cache_mode").label("mode")))
# A prepared statement may switch to its generic plan after five runs.
RUNS_BEFORE_EXPLAIN = 6


@dataclass(frozen=True)
class Fetched:
    page: Page
    statements: list[str]  # as sent to the database, in order, the page last
    plans: list[dict[str, Any]]  # the plan of each, as the read pool's connections run it


async def _fetch_and_explain(
    url: str, listing: KeysetList, values: dict[str, Any], bounds: PageBounds
) -> Fetched:
    """Runs the service's ``fetch`` in the service's own read, then explains each statement it
    ran (SQL and parameters) as the read pool runs it: prepared, run a few times, under the
    pool's plan cache mode."""
    database = open_database(Settings(database_url=url, signing_key=TEST_SIGNING_KEY))
    assert isinstance(database, AsyncDatabase)
    try:
        async with database.transaction(write=False) as connection:
            page = await listing.fetch(connection, bounds, values)
            mode = (await connection.fetch(PLAN_CACHE_MODE, {}))[0].mode
        dialect = database.engine.dialect
    finally:
        await database.dispose()
    sent = []
    for query, bound in listing.statements(bounds, values):
        compiled = query.compiled(dialect)
        sent.append((compiled.sql, compiled.parameters(bound)))
    plans = []
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute(f"SET plan_cache_mode = {mode}")
        for number, (statement, parameters) in enumerate(sent):
            await connection.execute(f"PREPARE listing_{number} AS {statement}")
            # EXECUTE takes no bound parameters: the values as literals, quoted by the server.
            arguments = [
                await connection.fetchval("SELECT quote_literal($1::text)", str(value))
                for value in parameters
            ]
            execute = f"EXECUTE listing_{number}({', '.join(arguments)})"
            for _ in range(RUNS_BEFORE_EXPLAIN):
                await connection.execute(execute)
            document = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {execute}")
            plans.append(json.loads(document)[0]["Plan"])
    finally:
        await connection.close()
    return Fetched(page, [statement for statement, _ in sent], plans)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _scans(plan: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(node type, table, index) of every node of the plan that reads a table or an index."""
    return [
        (node["Node Type"], node.get("Relation Name", ""), node.get("Index Name", ""))
        for node in _nodes(plan)
        if "Scan" in node["Node Type"]
    ]


def _shown(plans: list[dict[str, Any]]) -> str:
    return json.dumps([_scans(plan) for plan in plans]) + "\n" + json.dumps(plans, indent=1)


def _assert_no_table_scan(fetched: Fetched) -> None:
    for plan in fetched.plans:
        scans = _scans(plan)
        assert not [scan for scan in scans if scan[0] == "Seq Scan"], _shown(fetched.plans)
        # The default payment method of each listed customer is an index lookup too.
        methods = [scan for scan in scans if scan[1] == "payment_methods"]
        assert all(scan[0] in INDEX_SCANS for scan in methods), _shown(fetched.plans)


def _active_ids(stored: list[Stored]) -> list[str]:
    return [customer.id for customer in stored if not customer.archived]


def test_the_tables_hold_what_the_plans_are_about(loaded: Loaded) -> None:
    # Guards the fixture: the column lists cover the tables, and the data is the intended size.
    assert set(CUSTOMER_COLUMNS) == {column.name for column in customers.c}
    assert set(METHOD_COLUMNS) == {column.name for column in payment_methods.c}

    async def counts() -> list[int]:
        connection = await asyncpg.connect(loaded.url, timeout=10)
        try:
            return [
                await connection.fetchval("SELECT count(*) FROM customers"),
                await connection.fetchval(
                    "SELECT count(*) FROM customers WHERE account_id = $1 AND name_folded LIKE $2",
                    loaded.account_id,
                    f"%{RARE_WORD.casefold()}%",
                ),
                await connection.fetchval("SELECT count(*) FROM payment_methods"),
            ]
        finally:
            await connection.close()

    total, rare, methods = asyncio.run(counts())

    assert total == CUSTOMERS + OTHER_ACCOUNT_CUSTOMERS
    assert rare == CUSTOMERS // RARE_EVERY
    assert methods == 2 * CUSTOMERS // WITH_PAYMENT_METHODS_EVERY


@pytest.mark.parametrize("depth", [0.5, 0.9])
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_deep_page_walks_the_list_index(loaded: Loaded, direction: str, depth: float) -> None:
    at_index = int(len(loaded.newest_first) * depth)
    at = loaded.newest_first[at_index]
    position = Position(at.created_at, at.id)
    bounds = PageBounds(
        limit=PAGE_LIMIT,
        after=position if direction == "after" else None,
        before=position if direction == "before" else None,
    )
    listing, values = customer_listing(loaded.account_id, CustomerFilters())

    fetched = asyncio.run(_fetch_and_explain(loaded.url, listing, values, bounds))

    # Two statements: the probe for an item on the cursor's side, and the page.
    assert len(fetched.statements) == 2
    for plan in fetched.plans:
        # One ordered range scan of the list index, from the cursor's position.
        customer_scans = [scan[::2] for scan in _scans(plan) if scan[1] == "customers"]
        assert len(customer_scans) == 1, _shown(fetched.plans)
        assert customer_scans[0] in {
            ("Index Scan", PAGE_INDEX),
            ("Index Only Scan", PAGE_INDEX),
        }, _shown(fetched.plans)
    _assert_no_table_scan(fetched)
    # The page reads only its rows: a Limit straight over the range scan, no sort of the range.
    page_plan = fetched.plans[-1]
    assert page_plan["Node Type"] == "Limit"
    assert "Sort" not in {node["Node Type"] for node in _nodes(page_plan)}
    # And the statements explained are the service's page.
    if direction == "after":
        expected = _active_ids(loaded.newest_first[at_index + 1 :])[:PAGE_LIMIT]
    else:
        expected = _active_ids(loaded.newest_first[:at_index])[-PAGE_LIMIT:]
    assert [row.id for row in fetched.page.rows] == expected
    assert fetched.page.has_next_page
    assert fetched.page.has_previous_page


@pytest.mark.parametrize("cursor", [False, True])
def test_a_company_name_substring_uses_the_trigram_index(loaded: Loaded, cursor: bool) -> None:
    rare = [customer for customer in loaded.newest_first if customer.rare]
    at = rare[len(rare) // 2]
    bounds = PageBounds(
        limit=PAGE_LIMIT, after=Position(at.created_at, at.id) if cursor else None, before=None
    )
    # Six characters of the word, in another case: a case-insensitive substring.
    listing, values = customer_listing(loaded.account_id, CustomerFilters(company_name="QUOKKA"))

    fetched = asyncio.run(_fetch_and_explain(loaded.url, listing, values, bounds))

    assert len(fetched.statements) == (2 if cursor else 1)
    trigram_scans = [node for node, _, index in _scans(fetched.plans[-1]) if index == TRIGRAM_INDEX]
    assert trigram_scans == ["Bitmap Index Scan"], _shown(fetched.plans)
    _assert_no_table_scan(fetched)
    start = rare.index(at) + 1 if cursor else 0
    assert [row.id for row in fetched.page.rows] == _active_ids(rare[start:])[:PAGE_LIMIT]
    assert fetched.page.has_next_page
    assert fetched.page.has_previous_page is cursor
