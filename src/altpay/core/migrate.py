"""Alembic, driven from code: the CLI and tests migrate exactly as ``altpay serve`` does."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from altpay.core.db import open_database
from altpay.core.settings import Settings


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", "altpay:migrations")
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)


def current(settings: Settings) -> str | None:
    """The revision the database is at, or None before the first migration."""

    def revision_of(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async def read() -> str | None:
        database = open_database(settings)
        try:
            return await database.run_sync(revision_of)
        finally:
            await database.dispose()

    return asyncio.run(read())


def head_revision() -> str:
    """The newest migration of this build."""
    head = ScriptDirectory.from_config(alembic_config(Settings())).get_current_head()
    assert head is not None
    return head
