"""The benchmark's data: deterministic customers, and the bulk paths that load them.

One account holds most customers (the "main" one, whose ids and page positions the
scenarios use), a few small accounts the rest; 1 customer in 10 has 3 users and 1-2 payment
methods. Ids are made as altpay makes them for the rows' ``created_at``, spread over two
years. Rows are dicts by column name; the loaders write them in the order of the SQLAlchemy
tables' columns, through ``COPY`` on PostgreSQL and batched ``executemany`` on SQLite.

``tests/customers/test_query_plans.py`` explains the list's plans on this data too.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Table
from sqlalchemy.dialects import sqlite

from altpay.auth.models import accounts
from altpay.cli.common import say
from altpay.core.ids import id_at
from altpay.customers.models import customers
from altpay.payment_methods.models import payment_methods
from altpay.users.models import customer_users
from bench.vocabulary import ADJECTIVES, BRANDS, CITIES, FIRST_NAMES, LAST_NAMES, NOUNS, SUFFIXES

Row = dict[str, Any]

BACKENDS = ("sqlite", "postgresql")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432"
FILTER_WORD = "Quokka"  # in 0.1% of the main account's company names
FILTER_SHARE = 1000
EXTRAS_SHARE = 10  # 1 customer in 10 has 3 users and 1-2 payment methods
SMALL_ACCOUNTS = 3
SMALL_ACCOUNT_CUSTOMERS = 1000
ID_SAMPLE = 20_000
DEPTHS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)


@dataclass
class Batch:
    customers: list[Row] = field(default_factory=list)
    users: list[Row] = field(default_factory=list)
    methods: list[Row] = field(default_factory=list)


@dataclass
class Dataset:
    """What the load remembers about an account for the scenarios."""

    ids: list[str] = field(default_factory=list)
    depth_positions: dict[float, tuple[datetime, str]] = field(default_factory=dict)
    customers: int = 0
    users: int = 0
    methods: int = 0


class Generator:
    """Deterministic customers for one account, oldest first, in batches.

    ``archived_every``: 1 customer in that many archived a day after it was created (none by
    default, as in the benchmark).
    """

    def __init__(
        self,
        account_id: str,
        count: int,
        seed: int,
        *,
        main: bool,
        archived_every: int | None = None,
    ) -> None:
        self.account_id = account_id
        self.count = count
        self.rng = random.Random(seed)
        self.main = main
        self.archived_every = archived_every
        now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        self.span = timedelta(days=730)
        self.start = now - self.span
        self.step = self.span / max(count, 1)
        sample = min(count, ID_SAMPLE)
        self.sampled = set(self.rng.sample(range(count), sample)) if main else set()
        # Newest first, depth d is the item at position round(d * count) from the top.
        self.depth_index = {
            count - 1 - min(count - 1, round(depth * count)): depth for depth in DEPTHS
        }
        self.dataset = Dataset()

    def batches(self, size: int) -> Iterator[Batch]:
        batch = Batch()
        for number in range(self.count):
            self._customer(number, batch)
            if len(batch.customers) >= size:
                yield batch
                batch = Batch()
        if batch.customers:
            yield batch

    def _customer(self, number: int, batch: Batch) -> None:
        rng = self.rng
        created = self.start + self.step * number
        customer_id = id_at("cus", created, rng)
        adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
        name = f"{adjective} {noun} {rng.choice(SUFFIXES)}"
        if self.main and number % FILTER_SHARE == FILTER_SHARE // 2:
            name = f"{adjective} {FILTER_WORD} {noun}"
        city, state, zip_prefix = rng.choice(CITIES)
        slug = f"{adjective}-{noun}".lower()
        archived = self.archived_every is not None and number % self.archived_every == 3
        batch.customers.append(
            {
                "id": customer_id,
                "account_id": self.account_id,
                "name": name,
                "name_folded": name.casefold(),
                "legal_name": f"{name} Holdings",
                "email": f"billing{number}@{slug}.example",
                "ein": f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}",
                "external_id": f"crm-{number}" if number % 3 == 0 else None,
                "street_address": f"{rng.randint(1, 9999)} Market St",
                "sub_premise": f"Suite {rng.randint(100, 999)}" if number % 4 == 0 else "",
                "city": city,
                "state": state,
                "postal_code": f"{zip_prefix}{rng.randint(10, 99)}",
                "country": "US",
                "archived_at": created + timedelta(days=1) if archived else None,
                "default_payment_method_id": None,
                "created_at": created,
                "updated_at": created,
            }
        )
        data = self.dataset
        data.customers += 1
        if number in self.sampled:
            data.ids.append(customer_id)
        if number in self.depth_index:
            data.depth_positions[self.depth_index[number]] = (created, customer_id)
        if number % EXTRAS_SHARE:
            return
        for index in range(3):
            at = created + timedelta(seconds=1 + index)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{first}.{last}{index}@{slug}.example".lower()
            batch.users.append(
                {
                    "id": id_at("usr", at, rng),
                    "customer_id": customer_id,
                    "email": email,
                    "email_folded": email.casefold(),
                    "first_name": first,
                    "last_name": last,
                    "job_title": "Accounts payable",
                    "phone": "",
                    "created_at": at,
                    "updated_at": at,
                }
            )
        methods = rng.randint(1, 2)
        for index in range(methods):
            at = created + timedelta(seconds=5 + index)
            card = index == 0
            method_id = id_at("pm", at, rng)
            if card:  # the first method is the customer's default
                batch.customers[-1]["default_payment_method_id"] = method_id
            batch.methods.append(
                {
                    "id": method_id,
                    "customer_id": customer_id,
                    "type": "card" if card else "ach",
                    "brand": rng.choice(BRANDS) if card else "Chase",
                    "last4": f"{rng.randint(0, 9999):04d}",
                    "exp_month": f"{rng.randint(1, 12):02d}" if card else "",
                    "exp_year": str(rng.randint(2027, 2031)) if card else "",
                    "custom_name": "",
                    "funding": "credit" if card else "",
                    "country": "" if card else "US",
                    "created_at": at,
                    "updated_at": at,
                }
            )
        data.users += 3
        data.methods += methods


@dataclass(frozen=True)
class Population:
    """What a load writes: the accounts it creates, and one generator per account."""

    accounts: list[Row]
    generators: list[Generator]  # the main account's first

    @property
    def main(self) -> Dataset:
        return self.generators[0].dataset

    @property
    def customers(self) -> int:
        return sum(generator.count for generator in self.generators)

    @property
    def users(self) -> int:
        return sum(generator.dataset.users for generator in self.generators)

    @property
    def methods(self) -> int:
        return sum(generator.dataset.methods for generator in self.generators)


def populate(
    main_account_id: str, customers: int, seed: int, *, archived_every: int | None = None
) -> Population:
    """``customers`` in the main account (which exists already), and the small accounts."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    small = []
    generators = [
        Generator(main_account_id, customers, seed, main=True, archived_every=archived_every)
    ]
    for number in range(SMALL_ACCOUNTS):
        account_id = id_at("acct", now, rng)
        name = f"Bench small {number + 1}"
        small.append(
            {
                "id": account_id,
                "name": name,
                "expires_at": None,
                "created_at": now,
                "updated_at": now,
            }
        )
        generators.append(
            Generator(account_id, SMALL_ACCOUNT_CUSTOMERS, seed + number + 1, main=False)
        )
    return Population(small, generators)


def _records(table: Table, rows: Sequence[Row]) -> list[tuple[Any, ...]]:
    """The rows as tuples in the order of the table's columns, which they must all have."""
    columns = [column.name for column in table.c]
    if rows and set(rows[0]) != set(columns):
        raise ValueError(f"{table.name} rows have {sorted(rows[0])}, the table {columns}")
    values_of = itemgetter(*columns)
    return [values_of(row) for row in rows]


_SQLITE = sqlite.pysqlite.dialect()


def _sqlite_records(table: Table, rows: Sequence[Row]) -> list[tuple[Any, ...]]:
    """As ``_records``, each value converted by its column's type as altpay stores it."""
    processors = [
        (index, processor)
        for index, column in enumerate(table.c)
        if (processor := column.type.dialect_impl(_SQLITE).bind_processor(_SQLITE)) is not None
    ]
    converted = []
    for record in _records(table, rows):
        values = list(record)
        for index, process in processors:
            if values[index] is not None:
                values[index] = process(values[index])
        converted.append(tuple(values))
    return converted


def _insert_sql(table: Table) -> str:
    names = [column.name for column in table.c]
    marks = ", ".join("?" for _ in names)
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"


def load_sqlite(path: Path, population: Population) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA foreign_keys=OFF")
    connection.execute("BEGIN")
    connection.executemany(_insert_sql(accounts), _sqlite_records(accounts, population.accounts))
    connection.execute("COMMIT")
    tables = (customers, customer_users, payment_methods)
    with load_progress(population) as advance:
        for generator in population.generators:
            for batch in generator.batches(10_000):
                connection.execute("BEGIN")
                for table, rows in zip(tables, _rows_by_table(batch), strict=True):
                    connection.executemany(_insert_sql(table), _sqlite_records(table, rows))
                connection.execute("COMMIT")
                advance(len(batch.customers))
    connection.close()


def _rows_by_table(batch: Batch) -> tuple[list[Row], list[Row], list[Row]]:
    return batch.customers, batch.users, batch.methods


async def load_postgresql(url: str, population: Population, *, analyze: bool = True) -> None:
    """COPY, then ``VACUUM ANALYZE``; without ``analyze``, autovacuum off on the tables and no
    statistics at all, as a fresh table filled through the API is before its first ANALYZE."""
    connection = await asyncpg.connect(url)
    tables = (customers, customer_users, payment_methods)
    try:
        if not analyze:
            for table in (accounts, *tables):
                await connection.execute(
                    f"ALTER TABLE {table.name} SET (autovacuum_enabled = false)"
                )
        await _copy(connection, accounts, population.accounts)
        with load_progress(population) as advance:
            for generator in population.generators:
                for batch in generator.batches(20_000):
                    async with connection.transaction():
                        # A customer names its default method, which refers back to it:
                        # foreign keys are checked by the loader's data, not per row (as
                        # pg_restore --disable-triggers does).
                        await connection.execute("SET LOCAL session_replication_role = replica")
                        for table, rows in zip(tables, _rows_by_table(batch), strict=True):
                            await _copy(connection, table, rows)
                    advance(len(batch.customers))
        if analyze:
            say("VACUUM ANALYZE…")
            await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def _copy(connection: Any, table: Table, rows: Sequence[Row]) -> None:
    await connection.copy_records_to_table(
        table.name, records=_records(table, rows), columns=[column.name for column in table.c]
    )


@contextlib.contextmanager
def load_progress(population: Population) -> Iterator[Callable[[int], None]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[bold]Loading customers"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ) as progress:
        task = progress.add_task("load", total=population.customers)
        yield lambda count: progress.advance(task, count)


async def postgres_admin(url: str, statement: str) -> None:
    """Runs one statement (``CREATE DATABASE``, ``DROP DATABASE``…) on ``url``."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
