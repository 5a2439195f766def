"""Alembic environment: runs migrations through the same async engine the service uses."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from altpay.core.db import create_engine_for
from altpay.core.schema import metadata
from altpay.settings import Settings

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(settings: Settings) -> None:
    engine = create_engine_for(settings)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


asyncio.run(_run_online(config.attributes.get("settings") or Settings()))
