"""Alembic, driven from code: the CLI and tests migrate exactly as ``altpay serve`` does."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from altpay.settings import Settings


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", "altpay:migrations")
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)
