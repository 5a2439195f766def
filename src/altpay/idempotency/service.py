"""Idempotency keys (an extension, as in Stripe and the IETF Idempotency-Key draft).

A key is claimed in a short transaction of its own, so that a concurrent request with the
same key sees it at once (409). The response is stored in the same transaction as the
write it describes; a request that fails validation releases the key.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from altpay.core.db import Database, SqlConnection
from altpay.core.errors import AppError, FinishedResponse
from altpay.core.timestamps import utc_now
from altpay.idempotency import repository
from altpay.idempotency.errors import IdempotencyKeyInUse, IdempotencyKeyReused, KeyTaken

KEPT_FOR = timedelta(hours=24)
# A claim still unanswered after this long belongs to a request that died with its process.
ABANDONED_AFTER = timedelta(minutes=2)
STORED_ERROR_STATUSES = frozenset({400, 404})
UNSTORED_ERROR_CODES = frozenset({"invalid_json", "invalid_parameter", "invalid_cursor"})


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and canonical JSON body."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, RecursionError):
        canonical = body
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


async def claim(database: Database, account_id: str, key: str, request_fingerprint: str) -> None:
    """Claims ``key`` for this request, or raises what the client must get instead."""
    now = utc_now()
    try:
        async with database.transaction() as connection:
            await repository.prune(connection, now - KEPT_FOR)
            await repository.claim(connection, account_id, key, request_fingerprint, now)
        return
    except KeyTaken:
        pass
    async with database.transaction() as connection:
        held = await repository.find(connection, account_id, key)
        if held is None:
            raise IdempotencyKeyInUse()
        if held.response_status is None:
            taken_over = await repository.take_over(
                connection, account_id, key, request_fingerprint, now, now - ABANDONED_AFTER
            )
            if not taken_over:
                raise IdempotencyKeyInUse()
            return
        if held.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused()
        raise _replay(held.response_status, held.response_body, held.response_location)


def _replay(status: int, body: str, location: str | None) -> FinishedResponse:
    """The stored response of the earlier request with the same key, as it was sent."""
    headers = {"Idempotent-Replayed": "true"}
    if location:
        headers["Location"] = location
    return FinishedResponse(status, body, headers)


async def store(
    connection: SqlConnection,
    account_id: str,
    key: str,
    status: int,
    body: str,
    location: str | None = None,
) -> None:
    await repository.store_response(connection, account_id, key, status, body, location)


def is_stored(kind: type[AppError]) -> bool:
    """Errors about the stored data's state (404, 400 customer_archived…) are replayed too."""
    return kind.status in STORED_ERROR_STATUSES and kind.code not in UNSTORED_ERROR_CODES


async def settle_failure(
    database: Database, account_id: str, key: str, error: BaseException
) -> None:
    """After a failed request: store a state error's response, or release the key."""
    async with database.transaction() as connection:
        if isinstance(error, AppError) and is_stored(type(error)):
            await store(connection, account_id, key, error.status, json.dumps(error.document()))
        else:
            await repository.release(connection, account_id, key)
