"""The one typed settings object, read from ``ALTPAY_*`` environment variables."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SIGNING_KEY_BYTES = 32
SIGNING_KEY_FILE = "signing.key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALTPAY_", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Field(default=Path(".altpay"), description="Where the embedded default lives.")
    database_url: str | None = Field(
        default=None, description="sqlite:///path or postgresql://…; default: SQLite in data_dir."
    )
    signing_key: SecretStr | None = Field(
        default=None, description="Signs tokens and cursors; generated into data_dir when unset."
    )
    rate_limit: int = Field(default=5, ge=0, description="Requests per second per client; 0: off.")
    token_lifetime: int = Field(default=3600, ge=60, le=86400)
    token_issuer: str = "altpay"
    token_audience: str = "altpay-api"
    client_status_ttl: float = Field(
        default=30.0,
        ge=0,
        le=60,
        description="Seconds a client's enabled/disabled state is cached; disabling takes effect "
        "within this time.",
    )
    sqlite_busy_timeout: float = Field(default=30.0, gt=0)

    @property
    def sqlite_default_path(self) -> Path:
        return self.data_dir / "altpay.db"

    @property
    def uses_embedded_default(self) -> bool:
        return self.database_url is None

    def database_url_or_default(self) -> str:
        if self.database_url is not None:
            return self.database_url
        return f"sqlite:///{self.sqlite_default_path}"


class ConfigurationError(Exception):
    """The settings cannot run the service; the message says what is missing."""


def resolve_signing_key(settings: Settings) -> bytes:
    """The key that signs tokens and cursors: configured, or generated once into the data dir."""
    if settings.signing_key is not None:
        key = settings.signing_key.get_secret_value().encode()
        if len(key) < MIN_SIGNING_KEY_BYTES:
            raise ConfigurationError(
                f"ALTPAY_SIGNING_KEY must be at least {MIN_SIGNING_KEY_BYTES} bytes long."
            )
        return key
    if settings.env == "production":
        raise ConfigurationError("ALTPAY_SIGNING_KEY is required when ALTPAY_ENV=production.")
    return _load_or_create_key_file(settings.data_dir / SIGNING_KEY_FILE)


def _load_or_create_key_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="ascii") as handle:
            path.chmod(0o600)
            handle.write(secrets.token_urlsafe(48))
    except FileExistsError:
        pass
    return path.read_text(encoding="ascii").strip().encode()


def check_production_ready(settings: Settings) -> None:
    if settings.env == "production" and settings.database_url is None:
        raise ConfigurationError("ALTPAY_DATABASE_URL is required when ALTPAY_ENV=production.")
    resolve_signing_key(settings)
