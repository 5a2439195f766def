"""Sandbox tenants, resets and logged requests, in and out."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from altpay.core.pagination import Paginated
from altpay.core.text import RequiredText255

MAX_TTL = timedelta(days=30)
_DURATION = re.compile(r"([1-9][0-9]{0,7})([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
TTL_FORMAT = "a whole number of seconds, or a duration such as 90s, 30m, 1h or 7d (at most 30d)"


def parse_ttl(value: object) -> timedelta:
    """A time to live: seconds (a number), or a duration with a unit (``30m``, ``1h``)."""
    # Exactly the served pattern: no blanks, no leading zeros, no bare booleans.
    plain = isinstance(value, str | int) and not isinstance(value, bool)
    text = str(value) if plain else ""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(f"must be {TTL_FORMAT}")
    ttl = timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])
    if not timedelta(seconds=1) <= ttl <= MAX_TTL:
        raise ValueError(f"must be {TTL_FORMAT}")
    return ttl


TimeToLive = Annotated[
    timedelta,
    BeforeValidator(parse_ttl),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": f"^{_DURATION.pattern}$"},
                {"type": "integer", "minimum": 1, "maximum": int(MAX_TTL.total_seconds())},
            ]
        }
    ),
]


class CreateTenantInput(BaseModel):
    """A new sandbox tenant"""

    model_config = ConfigDict(extra="forbid")

    name: RequiredText255 = Field(default="Sandbox tenant", description="The account's name.")
    ttl: TimeToLive | None = Field(
        default=None,
        description=f"Time to live: the tenant is deleted with all its data after it; "
        f"{TTL_FORMAT}. Absent: kept until deleted.",
    )


class Tenant(BaseModel):
    account_id: str = Field(description="The tenant's account (acct_…).")
    name: str = Field(description="The account's name.")
    client_id: str = Field(description="Its API client, with every scope (cli_…).")
    client_secret: str = Field(description="The client's secret, shown only now.")
    scopes: list[str] = Field(description="The scopes the client has: all of them.")
    expires_at: str | None = Field(
        description="When the tenant is deleted (RFC 3339 UTC), or null: never."
    )


class DeletedData(BaseModel):
    customers: int = Field(description="Customers deleted.")
    users: int = Field(description="Users deleted.")
    payment_methods: int = Field(description="Payment methods deleted.")
    idempotency_keys: int = Field(description="Idempotency keys forgotten.")
    webhook_events: int = Field(description="Webhook events deleted.")
    webhook_subscriptions: int = Field(description="Webhook subscriptions deleted.")


class ResetReport(BaseModel):
    account_id: str = Field(description="The account reset.")
    deleted: DeletedData = Field(description="What was deleted, by kind.")


class RequestRecord(BaseModel):
    request_id: str = Field(description="The request's X-Request-Id.")
    method: str = Field(description="The HTTP method.")
    path: str = Field(description="The path, without the query.")
    query: str = Field(description="The query string, redacted; empty when there was none.")
    status: int = Field(description="The status answered.")
    duration_ms: float = Field(description="Milliseconds from the request to its answer.")
    created_at: str = Field(description="When the request arrived (RFC 3339 UTC).")
    request_body: str | None = Field(
        description="The body sent, as text, secrets and card-like numbers redacted, at most "
        "16 KiB (cut beyond); null when there was none."
    )
    response_body: str | None = Field(
        description="The body answered, redacted and cut as request_body; null when none."
    )


class RequestRecordPage(Paginated[RequestRecord]):
    """A page of the account's requests, newest first."""
