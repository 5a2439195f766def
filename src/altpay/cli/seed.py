"""``altpay seed``: fill an account with realistic sandbox data, through the service code."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from altpay.cli.common import load_settings, open_migrated, run_guarded, say
from altpay.core.db import SqlConnection, reading
from altpay.core.timestamps import utc_now

if TYPE_CHECKING:
    from altpay.cli.sandbox_data import SandboxCustomer

BATCH_SIZE = 250
DEFAULT_SPREAD_DAYS = 730  # two years of history, for the created_at filters


def creation_times(count: int, days: int, rng: random.Random) -> Iterator[datetime]:
    """``count`` times from ``days`` ago to now, oldest first (so ids stay time-ordered):
    one in each equal slice of the range, at a random point of it."""
    now = utc_now()
    span = timedelta(days=days) / count
    for number in range(count):
        yield now - timedelta(days=days) + span * (number + rng.random())


async def _store(
    connection: SqlConnection, account_id: str, sample: SandboxCustomer, created_at: datetime
) -> None:
    from altpay.customers import service as customers
    from altpay.payment_methods import service as payment_methods
    from altpay.users import service as users

    created = await customers.create_customer(
        connection, account_id, sample.customer, created_at=created_at
    )
    for user in sample.users:
        await users.create_user(connection, account_id, created.id, user)
    for method in sample.payment_methods:
        await payment_methods.add_method(connection, created.id, method)
    if sample.archived:
        await customers.archive_customer(connection, account_id, created.id)


def seed(
    account: Annotated[str, typer.Option(help="The account to fill (acct_…).")],
    customers_count: Annotated[
        int, typer.Option("--customers", min=1, max=10_000_000, help="How many customers.")
    ],
    random_seed: Annotated[
        int | None, typer.Option("--seed", help="Make the same data on every run.")
    ] = None,
    spread_days: Annotated[
        int,
        typer.Option(
            min=0,
            max=36_500,
            help="Spread created_at over this many days before now (0: all now).",
        ),
    ] = DEFAULT_SPREAD_DAYS,
) -> None:
    """Create realistic customers, users, cards and ACH accounts (some archived)."""
    from rich.progress import Progress

    from altpay.auth import repository as auth_repository
    from altpay.auth.errors import UnknownAccount
    from altpay.cli.sandbox_data import SandboxFactory

    settings = load_settings()
    factory = SandboxFactory(random_seed)
    times = creation_times(customers_count, spread_days, random.Random(random_seed))

    database = open_migrated(settings)

    async def work() -> None:
        try:
            async with reading(database) as connection:
                if await auth_repository.get_account(connection, account) is None:
                    raise UnknownAccount(f"No account {account}.")
            with Progress(transient=True) as progress:
                task = progress.add_task("Seeding customers", total=customers_count)
                for start in range(0, customers_count, BATCH_SIZE):
                    size = min(BATCH_SIZE, customers_count - start)
                    async with database.transaction() as connection:
                        for number in range(start, start + size):
                            sample = factory.customer(number)
                            await _store(connection, account, sample, next(times))
                    progress.advance(task, size)
        finally:
            await database.dispose()

    run_guarded(work)
    say(f"Seeded {customers_count} customers into {account}.")
