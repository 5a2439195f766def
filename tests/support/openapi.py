"""The served document against what the API really answers, and against what routes declare.

``hold_to_the_document(client)`` makes every answer a test client receives fail its test
unless the served document lists its status for that operation and, for an error, its code
under that status. ``declared_errors(route)`` reads what a route and its dependencies declare
(``altpay.core.errors.raises``) without the document builder's help.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from altpay.core.errors import AppError, declared_by
from altpay.openapi.document import served_document

Document = dict[str, Any]
# The field that carries the code: HttpError's, and OAuthError's at /oauth/token.
CODE_FIELDS = ("code", "error")


def documented_codes(response: Document) -> list[str] | None:
    """The codes an error response narrows its body to; None if it narrows none."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    for part in schema.get("allOf", []):
        for field in CODE_FIELDS:
            if field in part.get("properties", {}):
                codes: list[str] = part["properties"][field]["enum"]
                return codes
    return None


class DocumentedAnswers:
    """What a served document says each operation answers: its statuses, each error's codes."""

    def __init__(self, document: Document) -> None:
        # A literal path before a templated one it also matches (/webhooks/events before
        # /webhooks/{subscription_id}), as the router matches them.
        self._paths = [
            (re.compile("^" + re.sub(r"\{[^/}]+\}", "[^/]+", path) + "$"), item)
            for path, item in sorted(document["paths"].items(), key=lambda kv: kv[0].count("{"))
        ]
        self._method_not_allowed = documented_codes(
            document["components"]["responses"]["MethodNotAllowed"]
        )

    def problem(self, method: str, path: str, status: int, body: Any) -> str | None:
        """Why this answer is not one the document lists, or None when it is (or when the
        path is not the document's: /metrics, /docs, an unknown path)."""
        items = [item for pattern, item in self._paths if pattern.match(path)]
        if not items:
            return None
        code = _code_of(body)
        operation = items[0].get(method.lower())
        if operation is None:
            if status == 405 and code in (self._method_not_allowed or ()):
                return None
            return f"{method} {path}: {status} {code}, but the path has no such method"
        response = operation["responses"].get(str(status))
        where = f"{operation['operationId']} ({method} {path})"
        if response is None:
            return f"{where}: status {status} is not documented"
        if status < 400:
            return None
        codes = documented_codes(response)
        if code is None or codes is None or code not in codes:
            return f"{where}: {status} {code!r} is not documented (documented: {codes})"
        return None


def _code_of(body: Any) -> str | None:
    if isinstance(body, dict):
        for field in CODE_FIELDS:
            if isinstance(body.get(field), str):
                code: str = body[field]
                return code
    return None


def hold_to_the_document(client: TestClient) -> None:
    """Fails the request, and so the test, whose answer the served document does not list."""
    app = client.app
    assert isinstance(app, FastAPI)
    documented: list[DocumentedAnswers] = []

    def check(response: httpx.Response) -> None:
        request = response.request
        if request.method == "HEAD":
            return
        if not documented:
            sandbox_on = app.state.runtime.settings.sandbox_enabled
            documented.append(DocumentedAnswers(served_document(app.routes, sandbox_on=sandbox_on)))
        body = None
        if response.status_code >= 400:
            response.read()
            if response.headers.get("content-type", "").startswith("application/json"):
                body = response.json()
        problem = documented[0].problem(
            request.method, request.url.path, response.status_code, body
        )
        assert problem is None, problem

    client.event_hooks["response"].append(check)


def declared_errors(route: APIRoute) -> set[type[AppError]]:
    """What ``route`` and every dependency below it declare, and a fault (every route's)."""
    return {AppError}.union(*(declared_by(call) for call in _calls(route.dependant)))


def _calls(dependant: Dependant) -> Iterator[Any]:
    if dependant.call is not None:
        yield dependant.call
    for dependency in dependant.dependencies:
        yield from _calls(dependency)
