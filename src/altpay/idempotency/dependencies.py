"""``Idempotency-Key`` on POST routes, as a dependency that yields the claim (or None)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from pydantic import BaseModel

from altpay.auth.dependencies import CustomersWrite, WebhooksWrite
from altpay.auth.tokens import Principal
from altpay.core.db import SqlConnection
from altpay.core.errors import InvalidParameter, PayloadTooLarge, UnsupportedMediaType, raises
from altpay.core.http.body import json_request_bytes
from altpay.core.http.connections import database_of
from altpay.idempotency import service
from altpay.idempotency.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from altpay.idempotency.models import MAX_KEY_LENGTH

HEADER = "Idempotency-Key"
HEADER_DESCRIPTION = (
    "Extension: retry safely. A retry with the same key and the same request returns the "
    "first response (with Idempotent-Replayed: true) and writes nothing; the same key with "
    "another request is 422. Keys are kept at least 24 hours, per account."
)


@dataclass(frozen=True, slots=True)
class Claim:
    account_id: str
    key: str


def _checked(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise InvalidParameter(
            f"The {HEADER} header is malformed.",
            validation_errors={HEADER: f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters"},
        )
    return key


def _claim_key(
    *, with_body: bool, caller: Any = CustomersWrite
) -> Callable[..., AsyncIterator[Claim | None]]:
    """The claim of a route whose caller is ``caller`` (the auth alias of its write scope)."""
    body_errors = (PayloadTooLarge, UnsupportedMediaType) if with_body else ()

    @raises(InvalidParameter, IdempotencyKeyInUse, IdempotencyKeyReused, *body_errors)
    async def claim_key(
        request: Request,
        principal: Principal,
        idempotency_key: Annotated[
            str | None,
            Header(alias=HEADER, description=HEADER_DESCRIPTION),
        ] = None,
    ) -> AsyncIterator[Claim | None]:
        if idempotency_key is None:
            yield None
            return
        key = _checked(idempotency_key)
        body = await json_request_bytes(request) if with_body else b""
        request_fingerprint = service.fingerprint(request.method, request.url.path, body)
        database = database_of(request)
        await service.claim(database, principal.account_id, key, request_fingerprint)
        try:
            yield Claim(principal.account_id, key)
        except BaseException as error:
            await service.settle_failure(database, principal.account_id, key, error)
            raise

    # The caller's alias as the annotation FastAPI reads (this module's are strings).
    claim_key.__annotations__["principal"] = caller
    return claim_key


_CLAIM_WITH_BODY = _claim_key(with_body=True)
_CLAIM_WITHOUT_BODY = _claim_key(with_body=False)
_CLAIM_SUBSCRIPTION = _claim_key(with_body=True, caller=WebhooksWrite)
# What a route that takes an Idempotency-Key depends on (the served document looks for it).
KEY_CLAIMS = (_CLAIM_WITH_BODY, _CLAIM_WITHOUT_BODY, _CLAIM_SUBSCRIPTION)

IdempotentCreate = Annotated[Claim | None, Depends(_CLAIM_WITH_BODY, scope="function")]
IdempotentAction = Annotated[Claim | None, Depends(_CLAIM_WITHOUT_BODY, scope="function")]
# A webhook subscription's creation: the same claim, under the webhooks:write scope.
IdempotentSubscription = Annotated[Claim | None, Depends(_CLAIM_SUBSCRIPTION, scope="function")]


async def remember(
    claim: Claim | None,
    connection: SqlConnection,
    status: int,
    reply: BaseModel,
    location: str | None = None,
) -> None:
    """Stores the response with the write it describes, in the same transaction (when the
    request came with a key)."""
    if claim is not None:
        await service.store(
            connection, claim.account_id, claim.key, status, reply.model_dump_json(), location
        )
