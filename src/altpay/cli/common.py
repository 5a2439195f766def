"""What every command shares: settings, a database session, output and exit statuses.

Data goes to stdout (one JSON document with --json), messages to stderr. Exit status 0 on
success, 1 when the request is refused, 2 for bad usage or configuration; never a traceback.

The CLI starts without the web stack, Alembic or the domains: each command imports what it
runs inside its function (``tests/cli/test_startup.py``).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.exc import SQLAlchemyError

from altpay.core.db import Database, DatabaseError, SqlConnection, open_database
from altpay.core.errors import AppError
from altpay.core.settings import ConfigurationError, Settings

T = TypeVar("T")

EXIT_REFUSED = 1
EXIT_USAGE = 2

JsonOption = typer.Option(False, "--json", help="Print one JSON document instead of text.")
AccountOption = Annotated[str, typer.Option("--account", help="The account (acct_…).")]


def fail(message: str, status: int = EXIT_REFUSED) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(status)


def say(message: str) -> None:
    typer.echo(message, err=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except SettingsError as error:
        fail(f"invalid settings: {error}", EXIT_USAGE)
    except ValidationError as error:
        problems = "; ".join(
            f"ALTPAY_{'_'.join(str(part) for part in item['loc']).upper()}: {item['msg']}"
            for item in error.errors(include_url=False)
        )
        fail(f"invalid settings: {problems}", EXIT_USAGE)


def sandbox_settings() -> Settings:
    """The settings, or exit 2 when the sandbox is off (production mode, by default)."""
    settings = load_settings()
    if not settings.sandbox_enabled:
        fail("the sandbox is off (ALTPAY_SANDBOX=true turns it on)", EXIT_USAGE)
    return settings


def option_name(field: str) -> str:
    """The command-line option of a field: ``exp_month`` is ``--exp-month``."""
    return "--" + field.replace("_", "-")


def refusal_message(error: AppError) -> str:
    """An error in the terms of the command line: the options at fault, not the HTTP fields."""
    if not error.validation_errors:
        return error.message
    return "; ".join(
        f"{option_name(field)}: {message}" for field, message in error.validation_errors.items()
    )


def run_guarded(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Runs ``work`` on a fresh event loop, turning expected failures into exit statuses."""
    return guarded(lambda: asyncio.run(work()))


def guarded(call: Callable[[], T]) -> T:
    """Calls ``call``, turning expected failures into messages and exit statuses."""
    try:
        return call()
    except AppError as error:
        fail(refusal_message(error))
    except ConfigurationError as error:
        fail(str(error), EXIT_USAGE)
    except (DatabaseError, SQLAlchemyError, OSError) as error:
        fail(f"database error: {error.__class__.__name__}: {error}".splitlines()[0])


def open_migrated(settings: Settings) -> Database:
    """The database, brought up to date first when it is SQLite (the sandbox and tests).

    PostgreSQL is migrated only when an operator says so (``altpay db upgrade``).
    """
    from altpay.core import migrate  # Alembic: only for the commands that migrate

    if settings.uses_sqlite:
        guarded(lambda: migrate.upgrade(settings))
    return open_database(settings)


def in_transaction(settings: Settings, work: Callable[[SqlConnection], Awaitable[T]]) -> T:
    """Runs ``work`` in one committed write transaction against the configured database."""

    database = open_migrated(settings)

    async def run() -> T:
        try:
            async with database.transaction() as connection:
                return await work(connection)
        finally:
            await database.dispose()

    return run_guarded(run)


def emit(model: BaseModel | Sequence[BaseModel], as_json: bool) -> None:
    """Prints data: JSON with --json, else one ``field: value`` line per field."""
    if as_json:
        document = (
            [item.model_dump(mode="json") for item in model]
            if not isinstance(model, BaseModel)
            else model.model_dump(mode="json")
        )
        sys.stdout.write(json.dumps(document) + "\n")
        return
    for item in [model] if isinstance(model, BaseModel) else model:
        for field, value in item.model_dump(mode="json").items():
            shown = " ".join(value) if isinstance(value, list) else value
            typer.echo(f"{field}: {shown}")
        if not isinstance(model, BaseModel):
            typer.echo("")
