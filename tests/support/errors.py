"""The one assertion of an HttpError reply, for TestClient and httpx responses alike."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Protocol

HTTP_ERROR_KEYS = frozenset({"code", "message", "validation_errors"})


class Reply(Protocol):
    """What the tests read of a response (whichever httpx package backs it)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def text(self) -> str: ...

    def json(self, **kwargs: Any) -> Any: ...


def assert_http_error(
    reply: Reply,
    status: int,
    code: str,
    *,
    fields: Collection[str] | None = None,
    validation_errors: Mapping[str, str] | None = None,
    case: object = None,
) -> dict[str, Any]:
    """An HttpError with this status and code, its message and every field message non-empty.

    ``fields`` are exactly its validation_errors keys; ``validation_errors`` is the whole
    dict. ``case`` names the input in failure messages, for tests that check a table of
    inputs. Returns the body, for what a test checks beyond that.
    """
    assert reply.status_code == status, (case, reply.text)
    assert reply.headers["content-type"].startswith("application/json"), (case, reply.headers)
    body: dict[str, Any] = reply.json()
    assert set(body) == HTTP_ERROR_KEYS, (case, body)
    assert body["code"] == code, (case, body)
    assert isinstance(body["message"], str), (case, body)
    assert body["message"], (case, body)
    errors = body["validation_errors"]
    assert isinstance(errors, dict), (case, body)
    assert all(isinstance(message, str) and message for message in errors.values()), (case, body)
    if fields is not None:
        assert set(errors) == set(fields), (case, body)
    if validation_errors is not None:
        assert errors == dict(validation_errors), (case, body)
    return body


def assert_unauthenticated(reply: Reply) -> None:
    """401 without an ``error`` attribute: no credentials were sent."""
    assert_http_error(reply, 401, "unauthorized", fields=())
    assert reply.headers["WWW-Authenticate"] == "Bearer"


def assert_insufficient_scope(reply: Reply) -> None:
    assert_http_error(reply, 403, "forbidden", fields=())
    assert reply.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
