"""PostgreSQL plans of the customer list on 200,000 customers: index scans, never a table scan.

The data is the benchmark's (``bench.data``, loaded by its ``COPY`` path), with one customer
in 97 archived. The statements explained are the ones the service runs: ``KeysetList.fetch``
of ``await customer_listing(...)`` runs ``KeysetList.statement``, in the service's own read, and
exactly that (its SQL and the parameters the driver gets) is explained after ``ANALYZE``,
as the read pool's connections run them: prepared (asyncpg prepares each statement), run six
times (a prepared statement may switch to its generic plan after five), under the pool's
``plan_cache_mode``. The page fetched is checked to be the right one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import asyncpg
import pytest
from sqlalchemy import func, select

from altpay.core.db import ReadQuery, open_database, reading
from altpay.core.db.postgresql import PostgresqlDatabase
from altpay.core.ids import new_id
from altpay.core.migrate import upgrade
from altpay.core.pagination import Page, PageBounds, Position
from altpay.core.settings import Settings
from altpay.customers.models import customers
from altpay.customers.repository import CustomerFilters, customer_listing
from bench.data import (
    FILTER_SHARE,
    FILTER_WORD,
    SMALL_ACCOUNT_CUSTOMERS,
    SMALL_ACCOUNTS,
    load_postgresql,
    populate,
)
from tests.support import postgres
from tests.support.app import TEST_SIGNING_KEY

CUSTOMERS = 200_000
ARCHIVED_EVERY = 97
PAGE_LIMIT = 100

PAGE_INDEX = "ix_customers_account_created"
TRIGRAM_INDEX = "ix_customers_name_trgm"
INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


class Stored(NamedTuple):
    created_at: datetime
    id: str
    archived: bool
    rare: bool  # the company name carries FILTER_WORD


@dataclass(frozen=True)
class Loaded:
    url: str
    account_id: str
    newest_first: list[Stored]  # every customer of the big account
    payment_methods: int  # of every account


async def _load(url: str) -> Loaded:
    account_id = new_id("acct")
    now = datetime.now(UTC)
    population = populate(account_id, CUSTOMERS, seed=20261126, archived_every=ARCHIVED_EVERY)
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute(
            "INSERT INTO accounts (id, name, created_at, updated_at) VALUES ($1, 'Big', $2, $2)",
            account_id,
            now,
        )
        await load_postgresql(url, population)
        rows = await connection.fetch(
            "SELECT created_at, id, archived_at IS NOT NULL, name_folded LIKE $2 FROM customers"
            " WHERE account_id = $1",
            account_id,
            f"%{FILTER_WORD.casefold()}%",
        )
    finally:
        await connection.close()
    stored = [Stored(*row) for row in rows]
    return Loaded(url, account_id, sorted(stored, reverse=True), population.methods)


def _migrated_and_filled(
    prefix: str, fill: Callable[[str], Coroutine[Any, Any, Loaded]]
) -> Iterator[Loaded]:
    postgres.require_server()
    url = postgres.create_database(prefix)
    try:
        upgrade(Settings(database_url=url, signing_key=TEST_SIGNING_KEY))
        yield asyncio.run(fill(url))
    finally:
        postgres.drop_database(url)


@pytest.fixture(scope="module")
def loaded() -> Iterator[Loaded]:
    yield from _migrated_and_filled("altpay_plans", _load)


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
    loaded: Loaded, filters: CustomerFilters, bounds: PageBounds
) -> Fetched:
    """Runs the service's ``fetch`` in the service's own read, then explains each statement it
    ran (SQL and parameters) as the read pool runs it: prepared, run a few times, under the
    pool's plan cache mode."""
    url = loaded.url
    database = open_database(Settings(database_url=url, signing_key=TEST_SIGNING_KEY))
    assert isinstance(database, PostgresqlDatabase)
    try:
        async with reading(database) as connection:
            listing, values = await customer_listing(connection, loaded.account_id, filters)
            page = await listing.fetch(connection, bounds, values)
            mode = (await connection.fetch(PLAN_CACHE_MODE, {}))[0].mode
        dialect = database.engine.dialect
    finally:
        await database.dispose()
    sent = []
    query, bound = listing.statement(bounds, values)
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
    # Guards the fixture: the data is the intended size and shape.
    async def counts() -> list[int]:
        connection = await asyncpg.connect(loaded.url, timeout=10)
        try:
            return [
                await connection.fetchval("SELECT count(*) FROM customers"),
                await connection.fetchval("SELECT count(*) FROM payment_methods"),
            ]
        finally:
            await connection.close()

    total, methods = asyncio.run(counts())

    assert total == CUSTOMERS + SMALL_ACCOUNTS * SMALL_ACCOUNT_CUSTOMERS
    assert methods == loaded.payment_methods
    assert len(loaded.newest_first) == CUSTOMERS
    assert sum(customer.rare for customer in loaded.newest_first) == CUSTOMERS // FILTER_SHARE
    assert sum(customer.archived for customer in loaded.newest_first) == len(
        range(3, CUSTOMERS, ARCHIVED_EVERY)
    )


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
    fetched = asyncio.run(_fetch_and_explain(loaded, CustomerFilters(), bounds))

    # One statement: the page, with the probe for an item on the cursor's other side as a
    # subquery run once (an InitPlan).
    assert len(fetched.statements) == 1
    (plan,) = fetched.plans
    # Two ordered range scans of the list index, each from the cursor's position.
    customer_scans = [scan[::2] for scan in _scans(plan) if scan[1] == "customers"]
    assert len(customer_scans) == 2, _shown(fetched.plans)
    assert set(customer_scans) <= {
        ("Index Scan", PAGE_INDEX),
        ("Index Only Scan", PAGE_INDEX),
    }, _shown(fetched.plans)
    _assert_no_table_scan(fetched)
    # Each reads only its rows: a Limit straight over its range scan, no sort of the range.
    assert plan["Node Type"] == "Limit"
    limits = [node for node in _nodes(plan) if node["Node Type"] == "Limit"]
    assert len(limits) == 2, _shown(fetched.plans)
    for limit in limits:
        children = {child["Node Type"] for child in limit["Plans"]}
        assert children & INDEX_SCANS, _shown(fetched.plans)
    assert "Sort" not in {node["Node Type"] for node in _nodes(plan)}
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
    # A quarter of the way: more than a page of them after it.
    at = rare[len(rare) // 4]
    bounds = PageBounds(
        limit=PAGE_LIMIT, after=Position(at.created_at, at.id) if cursor else None, before=None
    )
    # Five characters of the word, in another case: a case-insensitive substring.
    company_name = FILTER_WORD[1:].upper()
    filters = CustomerFilters(company_name=company_name)

    fetched = asyncio.run(_fetch_and_explain(loaded, filters, bounds))

    assert len(fetched.statements) == 1
    trigram_scans = [node for node, _, index in _scans(fetched.plans[-1]) if index == TRIGRAM_INDEX]
    # The page's (a cursor's probe, for the nearest match on the other side, may walk instead).
    assert "Bitmap Index Scan" in trigram_scans, _shown(fetched.plans)
    assert set(trigram_scans) == {"Bitmap Index Scan"}, _shown(fetched.plans)
    _assert_no_table_scan(fetched)
    start = rare.index(at) + 1 if cursor else 0
    assert [row.id for row in fetched.page.rows] == _active_ids(rare[start:])[:PAGE_LIMIT]
    assert fetched.page.has_next_page
    assert fetched.page.has_previous_page is cursor


# --- a table with no statistics ------------------------------------------------------------

UNANALYSED_CUSTOMERS = 20_000


@pytest.fixture(scope="module")
def unanalysed() -> Iterator[Loaded]:
    """Customers as an integrator's data arrives: inserted after the migrations into a table
    never vacuumed nor analysed (autovacuum kept off it, as before its first ANALYZE)."""
    yield from _migrated_and_filled("altpay_unanalysed", _insert_without_statistics)


async def _insert_without_statistics(url: str) -> Loaded:
    account_id = new_id("acct")
    population = populate(account_id, UNANALYSED_CUSTOMERS, seed=20261203)
    columns = [column.name for column in customers.c]
    insert = (
        f"INSERT INTO customers ({', '.join(columns)}) "
        f"VALUES ({', '.join(f'${number}' for number in range(1, len(columns) + 1))})"
    )
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute("ALTER TABLE customers SET (autovacuum_enabled = false)")
        for account in [{"id": account_id, "name": "Fresh"}, *population.accounts]:
            await connection.execute(
                "INSERT INTO accounts (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)",
                account["id"],
                account["name"],
                datetime.now(UTC),
            )
        for generator in population.generators:
            for batch in generator.batches(1_000):
                rows = [
                    tuple(
                        None if name == "default_payment_method_id" else row[name]
                        for name in columns
                    )
                    for row in batch.customers
                ]
                await connection.executemany(insert, rows)
        analysed = await connection.fetchval(
            "SELECT greatest(last_analyze, last_autoanalyze) FROM pg_stat_user_tables "
            "WHERE relname = 'customers'"
        )
        assert analysed is None
        stored = await connection.fetch(
            "SELECT created_at, id, archived_at IS NOT NULL, false FROM customers "
            "WHERE account_id = $1",
            account_id,
        )
    finally:
        await connection.close()
    newest_first = sorted((Stored(*row) for row in stored), reverse=True)
    return Loaded(url, account_id, newest_first, 0)


@pytest.mark.parametrize("cursor", [False, True])
def test_without_statistics_every_page_walks_the_list_index(
    unanalysed: Loaded, cursor: bool
) -> None:
    # Planned with no statistics, a first page of its own read the whole account through the
    # other index on account_id (external ids) and sorted it; it is a cursor's page now.
    at = unanalysed.newest_first[len(unanalysed.newest_first) // 2]
    bounds = PageBounds(
        limit=PAGE_LIMIT, after=Position(at.created_at, at.id) if cursor else None, before=None
    )

    fetched = asyncio.run(_fetch_and_explain(unanalysed, CustomerFilters(), bounds))

    (plan,) = fetched.plans
    customer_scans = {scan[::2] for scan in _scans(plan) if scan[1] == "customers"}
    assert customer_scans == {("Index Scan", PAGE_INDEX)}, _shown(fetched.plans)
    assert "Sort" not in {node["Node Type"] for node in _nodes(plan)}, _shown(fetched.plans)
    start = len(unanalysed.newest_first) // 2 + 1 if cursor else 0
    expected = _active_ids(unanalysed.newest_first[start:])[:PAGE_LIMIT]
    assert [row.id for row in fetched.page.rows] == expected
