"""When a request is tried again, and how long to wait first.

A small back-off loop over httpx, as Stripe's and OpenAI's clients have: httpx retries no
status, and a retry library would still need every rule below (which errors, which methods,
the server's ``Retry-After``), which is all there is to it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import httpx

from altpay_client.errors import retry_after_seconds

DEFAULT_MAX_RETRIES = 2
INITIAL_DELAY = 0.5  # seconds before the first retry; doubled for each next one
MAX_DELAY = 8.0
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is not waited for: the error is raised

# Failures before the request left this process: retrying them can never repeat a write.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Methods whose repetition cannot change the outcome (a PATCH sets the same fields again).
_REPEATABLE = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH"})


@dataclass(frozen=True)
class RequestSpec:
    """One API call: sent once, then again on each retry, with the same Idempotency-Key."""

    method: str
    path: str
    params: dict[str, Any] | None = None
    json: dict[str, Any] | None = None
    idempotency_key: str | None = None
    repeatable: bool = False  # safe to send again after its answer was lost (a token request)


def backoff(attempt: int) -> float:
    """Exponential back-off with jitter: about 0.5 s, 1 s, 2 s… at most 8 s, less up to 25 %."""
    delay = min(MAX_DELAY, INITIAL_DELAY * 2.0**attempt)
    return delay * (1 - 0.25 * random.random())


def delay_after_error(error: httpx.TransportError, spec: RequestSpec, attempt: int) -> float:
    """Seconds to wait before retrying after ``error``, or -1 to give up.

    An answer lost after the request went out is retried only when a repetition is safe: a
    read, a PATCH, or a write carrying an Idempotency-Key (every POST does); an archive or a
    payment method's deletion would answer a repetition differently, so it is not repeated.
    """
    if (
        isinstance(error, _NOT_SENT)
        or spec.repeatable
        or spec.method in _REPEATABLE
        or spec.idempotency_key
    ):
        return backoff(attempt)
    return -1


def delay_after_response(response: httpx.Response, attempt: int) -> float:
    """Seconds to wait before retrying ``response`` (429, 5xx), or -1 for a final answer.

    altpay commits a write before it answers 2xx and stores nothing for a 429 or a 5xx, so
    retrying those repeats no write, whatever the method.
    """
    status = response.status_code
    if status == 429:
        wait = retry_after_seconds(response)
        if wait is None:
            return backoff(attempt)
        return wait + 0.05 * random.random() if wait <= MAX_RETRY_AFTER else -1
    if status >= 500 or status == 408:
        wait = retry_after_seconds(response)
        return wait if wait is not None and wait <= MAX_RETRY_AFTER else backoff(attempt)
    return -1
