"""The HttpError responses: one per status a route can answer, with the codes it can carry.

The codes are the catalogue's (``altpay.openapi.catalogue``) that the route and its
dependencies declare; each response says what each of its codes means, after the vendor's
description of the status where there is one.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus

from fastapi.routing import APIRoute

from altpay.core.errors import AppError, MethodNotAllowed
from altpay.core.http.declarations import errors_of
from altpay.idempotency.service import is_stored
from altpay.openapi import catalogue, headers
from altpay.openapi.objects import Schema, ref


def refine_http_error(schema: Schema) -> None:
    schema["required"] = ["code", "message", "validation_errors"]
    schema["properties"]["code"]["enum"] = catalogue.codes()
    schema["description"] = (
        "Every error outside /oauth/token. validation_errors maps each offending field or "
        "parameter to a message; {} when there is none."
    )


def error_responses(
    route: APIRoute,
    vendor: dict[str, Schema],
    *,
    idempotent: bool = False,
    extra: Sequence[type[AppError]] = (),
) -> dict[str, Schema]:
    """The HttpError response of every status ``route`` can answer, keyed by status.

    ``vendor``: the vendor's responses of the operation, whose descriptions come first.
    ``idempotent``: whether a retry with the same Idempotency-Key replays stored errors.
    ``extra``: errors the route answers beyond its own (those a sandbox simulation adds).
    """
    by_status: dict[int, list[type[AppError]]] = {}
    for kind in catalogue.in_catalogue_order(errors_of(route).union(extra)):
        by_status.setdefault(kind.status, []).append(kind)
    responses: dict[str, Schema] = {}
    for status, errors in sorted(by_status.items()):
        response = error_response(status, errors, vendor.get(str(status), {}).get("description"))
        if idempotent and any(is_stored(kind) for kind in errors):
            response["headers"][headers.REPLAYED] = ref("headers", headers.REPLAYED)
        responses[str(status)] = response
    return responses


def error_response(
    status: int, errors: Sequence[type[AppError]], description: str | None = None
) -> Schema:
    """An HttpError response whose ``code`` is one of the codes of ``errors``."""
    phrase = description or HTTPStatus(status).phrase
    meanings = "; ".join(f"`{kind.code}`: {kind.meaning}" for kind in errors)
    return {
        "description": f"{phrase}. {meanings}.",
        "headers": headers.of_error(status),
        "content": error_content("HttpError", "code", [kind.code for kind in errors]),
    }


def error_content(schema: str, field: str, codes: list[str]) -> Schema:
    """A JSON error body: the ``schema`` component, its ``field`` one of ``codes``."""
    narrowed = {"properties": {field: {"enum": codes}}}
    return {"application/json": {"schema": {"allOf": [ref("schemas", schema), narrowed]}}}


def method_not_allowed() -> Schema:
    """What any path answers to a method it does not have (no operation of its own)."""
    response = error_response(405, [MethodNotAllowed])
    response["headers"] = headers.refs("Allow")
    return response
