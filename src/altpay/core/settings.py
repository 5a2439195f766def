"""The one typed settings object, read from ``ALTPAY_*`` environment variables."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SIGNING_KEY_BYTES = 32
SIGNING_KEY_FILE = "signing.key"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALTPAY_", extra="ignore")

    env: Literal["development", "production"] = "development"
    sandbox: bool | None = Field(
        default=None,
        description="Sandbox features (the test card provider): on unless ALTPAY_ENV=production, "
        "where only ALTPAY_SANDBOX=true turns them on.",
    )
    sandbox_admin_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for POST /sandbox/tenants; without it, loopback only.",
    )
    request_log: bool = Field(
        default=True,
        description="Whether the sandbox keeps each tenant's last 1,000 requests "
        "(GET /sandbox/requests).",
    )
    data_dir: Path = Field(default=Path(".altpay"), description="Where the embedded default lives.")
    database_url: str | None = Field(
        default=None, description="sqlite:///path or postgresql://…; default: SQLite in data_dir."
    )
    signing_key: SecretStr | None = Field(
        default=None, description="Signs tokens and cursors; generated into data_dir when unset."
    )
    signing_key_previous: SecretStr | None = Field(
        default=None,
        description="The key before the last rotation: still verifies tokens and cursors.",
    )
    rate_limit: int = Field(default=5, ge=0, description="Requests per second per client; 0: off.")
    token_lifetime: int = Field(default=3600, ge=1, le=86400)
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
    sqlite_cache_mib: int = Field(
        default=32,
        ge=1,
        le=4096,
        description="SQLite's page cache per connection, in MiB (SQLite's own default: 2).",
    )
    redis_url: str | None = Field(
        default=None, description="redis://host:port/db: rate limits shared by every worker."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Peers (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the "
        "client address.",
    )
    metrics_token: SecretStr | None = Field(
        default=None, description="Bearer token for /metrics; without it, loopback only."
    )
    shutdown_grace: float = Field(
        default=30.0, gt=0, description="Seconds in-flight requests get to finish on SIGTERM."
    )
    header_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a client has to send a request's headers."
    )
    keepalive_timeout: int = Field(
        default=5, ge=1, description="Seconds an idle keep-alive connection is kept open."
    )
    max_connections: int = Field(
        default=2000,
        ge=1,
        description="Open connections per worker; past it, new requests are answered 503.",
    )
    serve_delivers_webhooks: bool | None = Field(
        default=None,
        description="Whether altpay serve delivers webhook events itself: unset, in development "
        "only (production runs altpay worker processes).",
    )
    webhook_timeout: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="Seconds a webhook receiver has to answer a delivery with a 2xx.",
    )
    webhook_first_retry: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Seconds before a failed delivery's first retry; each gap doubles, to an hour.",
    )
    webhook_retry_window: float = Field(
        default=86400.0,
        gt=0,
        description="Seconds after its change for which an event is retried, then failed.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    db_pool_size: int = Field(default=10, ge=1, le=1000, description="PostgreSQL connections.")
    db_pool_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a free PostgreSQL connection."
    )
    db_statement_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a PostgreSQL statement may run."
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # Operators write "10.0.0.1,10.0.0.0/8" (a JSON list is accepted too).
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("sandbox_admin_token", "metrics_token", mode="after")
    @classmethod
    def _blank_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        # ALTPAY_SANDBOX_ADMIN_TOKEN= (empty) must not become a token that an empty bearer
        # matches: blank means none (and so loopback only).
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @property
    def sandbox_enabled(self) -> bool:
        """The one switch of every sandbox feature."""
        if self.sandbox is None:
            return self.env != "production"
        return self.sandbox

    @property
    def serve_delivers(self) -> bool:
        if self.serve_delivers_webhooks is None:
            return self.env == "development"
        return self.serve_delivers_webhooks

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url_or_default().startswith("sqlite")

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


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """The key that signs, and the one it replaced (still accepted until tokens expire)."""

    current: bytes
    previous: bytes | None = None

    def all(self) -> tuple[bytes, ...]:
        return (self.current,) if self.previous is None else (self.current, self.previous)


def _strong(name: str, value: SecretStr) -> bytes:
    key = value.get_secret_value().encode()
    if len(key) < MIN_SIGNING_KEY_BYTES:
        raise ConfigurationError(f"{name} must be at least {MIN_SIGNING_KEY_BYTES} bytes long.")
    return key


def resolve_signing_keys(settings: Settings) -> SigningKeys:
    """The configured keys, or on the embedded setup one generated once into the data dir."""
    previous = None
    if settings.signing_key_previous is not None:
        previous = _strong("ALTPAY_SIGNING_KEY_PREVIOUS", settings.signing_key_previous)
    if settings.signing_key is not None:
        return SigningKeys(_strong("ALTPAY_SIGNING_KEY", settings.signing_key), previous)
    if settings.env == "production":
        raise ConfigurationError("ALTPAY_SIGNING_KEY is required when ALTPAY_ENV=production.")
    return SigningKeys(_load_or_create_key_file(settings.data_dir / SIGNING_KEY_FILE), previous)


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
    """Raises ConfigurationError naming everything that keeps the service from starting."""
    problems = []
    if settings.env == "production" and settings.database_url is None:
        problems.append("ALTPAY_DATABASE_URL is required when ALTPAY_ENV=production.")
    try:
        resolve_signing_keys(settings)
    except ConfigurationError as error:
        problems.append(str(error))
    if problems:
        raise ConfigurationError(" ".join(problems))
