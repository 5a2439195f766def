"""Alembic environment: runs migrations through the same async engine the service uses."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from altpay.core.db import open_database
from altpay.core.settings import Settings
from altpay.models import metadata, unmodelled

config = context.config


def _modelled(name: str | None, type_: str, _parents: object) -> bool:
    return type_ != "table" or not unmodelled(str(name))


def _run(connection: Connection) -> None:
    dialect = connection.dialect.name

    def for_this_dialect(item: object, *_: object) -> bool:
        # Objects declared with .ddl_if(dialect=…) exist only on that backend.
        condition = getattr(item, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=dialect == "sqlite",
        compare_type=True,
        include_object=for_this_dialect,
        include_name=_modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(settings: Settings) -> None:
    database = open_database(settings)
    try:
        await database.run_sync(_run)
    finally:
        await database.dispose()


asyncio.run(_run_online(config.attributes.get("settings") or Settings()))
