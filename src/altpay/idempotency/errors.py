"""Errors of Idempotency-Key: a key still in use, or reused for another request."""

from __future__ import annotations

from altpay.core.errors import AppError


class IdempotencyKeyInUse(AppError):
    status, code = 409, "idempotency_key_in_use"
    default_message = "A request with this Idempotency-Key is still being processed."
    meaning = "the first request with this Idempotency-Key is still running"


class IdempotencyKeyReused(AppError):
    status, code = 422, "idempotency_key_reused"
    default_message = "This Idempotency-Key was used with a different request."
    meaning = "this Idempotency-Key came with a different request"


class KeyTaken(Exception):
    """Another request holds this key (its primary key)."""
