"""JSON request bodies, read by us rather than by FastAPI.

FastAPI parses a declared body before any dependency runs; reading it in a dependency that
comes after authentication keeps the documented order of checks: 401/403, then 413/415,
then 400/422.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Coroutine
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from altpay.core.card_numbers import fields_with_card_numbers
from altpay.core.errors import (
    CardNumberNotAllowed,
    InvalidJson,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    raises,
)

MAX_BODY_BYTES = 1024 * 1024

Model = TypeVar("Model", bound=BaseModel)


def refuse_declared_oversize(request: Request, limit: int = MAX_BODY_BYTES) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge()


async def read_limited_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refused (413) as soon as it is known to exceed ``limit``."""
    refuse_declared_oversize(request, limit)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def media_type_of(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _object_of_unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # RFC 8259 §4: with a repeated name, parsers disagree on which value counts; refuse it.
    document = dict(pairs)
    if len(document) != len(pairs):
        raise ValueError("a member name is repeated")
    return document


def parse_json(raw: bytes) -> Any:
    """Strict RFC 8259: UTF-8 only, no NaN or Infinity, no repeated member names."""
    return json.loads(
        raw.decode("utf-8"),
        parse_constant=_no_constant,
        object_pairs_hook=_object_of_unique_names,
    )


async def json_request_bytes(request: Request) -> bytes:
    """The body of a JSON request after the size (413) and type (415) checks, read once."""
    cached: bytes | None = getattr(request.state, "json_body", None)
    if cached is None:
        refuse_declared_oversize(request)
        if media_type_of(request) != "application/json":
            raise UnsupportedMediaType()
        cached = request.state.json_body = await read_limited_body(request)
    return cached


async def read_json_object(request: Request) -> dict[str, Any]:
    raw = await json_request_bytes(request)
    try:
        document = parse_json(raw)
    except (ValueError, RecursionError) as error:
        raise InvalidJson("The request body is not valid JSON.") from error
    if not isinstance(document, dict):
        raise InvalidJson("The request body must be a JSON object.")
    return document


def validation_messages(error: ValidationError) -> dict[str, str]:
    """Pydantic's errors as ``{field: message}``, one message per field."""
    messages: dict[str, str] = {}
    for item in error.errors(include_url=False):
        location = item["loc"]
        # A nested field by its dotted path: us_account_data.routing_number.
        field = ".".join(str(part) for part in location) if location else "body"
        if item["type"] == "extra_forbidden":
            message = "is not a field of this request"
        else:
            message = item["msg"].removeprefix("Value error, ")
        messages.setdefault(field, message)
    return messages


def refuse_card_numbers(document: dict[str, Any], exempt: Collection[str] = ()) -> None:
    """422 naming every string field (known or not, at any depth) that holds a card number,
    before the body is validated, logged or stored; ``exempt``: the dotted names of fields
    where such digits are expected (a bank account number)."""
    fields = fields_with_card_numbers(document, exempt)
    if fields:
        message = "must not hold a card number; send a card provider's token instead"
        raise CardNumberNotAllowed(validation_errors=dict.fromkeys(fields, message))


def json_body(
    model: type[Model], *, card_numbers_allowed_in: Collection[str] = ()
) -> Callable[[Request], Coroutine[Any, Any, Model]]:
    """A dependency that yields the request body validated as ``model``, once no string of
    it holds a card number (but the fields named in ``card_numbers_allowed_in``)."""
    exempt = frozenset(card_numbers_allowed_in)

    @raises(
        PayloadTooLarge, UnsupportedMediaType, InvalidJson, CardNumberNotAllowed, ValidationFailed
    )
    async def parse(request: Request) -> Model:
        document = await read_json_object(request)
        refuse_card_numbers(document, exempt)
        try:
            return model.model_validate(document)
        except ValidationError as error:
            raise ValidationFailed(validation_errors=validation_messages(error)) from error

    return parse
