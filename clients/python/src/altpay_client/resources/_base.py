"""What every resource needs: the client's ``request``, paths, and the idempotent POST."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote

from altpay_client._retry import RequestSpec


class SyncRequester(Protocol):
    def request(self, spec: RequestSpec) -> Any: ...


class AsyncRequester(Protocol):
    async def request(self, spec: RequestSpec) -> Any: ...


def path(template: str, *ids: str) -> str:
    """``template`` with each ``{}`` replaced by an id, percent-encoded (an id is opaque)."""
    return template.format(*(quote(value, safe="") for value in ids))


def new_key(given: str | None) -> str:
    """The Idempotency-Key of one call: the caller's, or a new one kept across its retries."""
    return given if given is not None else str(uuid.uuid4())


def post(route: str, body: Mapping[str, Any] | None, idempotency_key: str | None) -> RequestSpec:
    return RequestSpec(
        "POST",
        route,
        json=dict(body) if body is not None else None,
        idempotency_key=new_key(idempotency_key),
    )


def without_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
