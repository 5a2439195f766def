"""Errors and headers every response shares: HttpError, 404/405, request ids, bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from altpay.app import create_app
from altpay.core.settings import Settings
from tests.support.errors import assert_http_error
from tests.support.tenants import Tenant

MIB = 1024 * 1024
NEW_CUSTOMER = {"name": "Acme", "email": "billing@acme.com"}


def post_raw(
    api: TestClient, tenant: Tenant, content: bytes | str, content_type: str | None
) -> Any:
    headers = dict(tenant.headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return api.post("/customers", content=content, headers=headers)


def customer_count(api: TestClient, tenant: Tenant) -> int:
    listed = api.get("/customers", params={"include_archived": "true"}, headers=tenant.headers)
    assert listed.status_code == 200, listed.text
    return len(listed.json()["data"])


# --- routing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/nope", "/customers/cus_x/unknown", "/customers/cus_x/users/usr_x", "/oauth"]
)
def test_unknown_route_is_not_found(api: TestClient, tenant: Tenant, path: str) -> None:
    assert_http_error(api.get(path, headers=tenant.headers), 404, "not_found", validation_errors={})


def test_unknown_route_is_not_found_without_credentials(api: TestClient) -> None:
    assert_http_error(api.get("/nope"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/customers", "GET, POST"),
        ("DELETE", "/customers", "GET, POST"),
        ("PUT", "/customers/cus_x", "DELETE, GET, PATCH"),
        ("POST", "/customers/cus_x", "DELETE, GET, PATCH"),
        ("GET", "/customers/cus_x/restore", "POST"),
        ("DELETE", "/customers/cus_x/users", "GET, POST"),
        ("POST", "/customers/cus_x/payment-methods", "GET"),
        ("PUT", "/customers/cus_x/payment-methods/pm_x", "DELETE, GET"),
        ("GET", "/oauth/token", "POST"),
    ],
)
def test_wrong_method_is_method_not_allowed_with_allow(
    api: TestClient, tenant: Tenant, method: str, path: str, allow: str
) -> None:
    reply = api.request(method, path, headers=tenant.headers)

    assert reply.status_code == 405, reply.text
    assert reply.headers["allow"] == allow
    if path != "/oauth/token":
        assert_http_error(reply, 405, "method_not_allowed")


@pytest.mark.parametrize(
    "path",
    ["/customers", "/customers/{id}", "/customers/{id}/users", "/customers/{id}/payment-methods"],
)
def test_head_answers_like_get_without_a_body(api: TestClient, tenant: Tenant, path: str) -> None:
    created = api.post(
        "/customers", json={"name": "Head Co", "email": "head@example.com"}, headers=tenant.headers
    )
    assert created.status_code == 201, created.text
    url = path.format(id=created.json()["id"])

    get, head = api.get(url, headers=tenant.headers), api.head(url, headers=tenant.headers)

    assert get.status_code == 200, get.text
    assert head.status_code == 200, head.text
    ignored = {"x-request-id", "content-length"}  # a fresh id; the server drops the body
    assert {k: v for k, v in head.headers.items() if k not in ignored} == {
        k: v for k, v in get.headers.items() if k not in ignored
    }


def test_head_of_an_unknown_object_is_not_found(api: TestClient, tenant: Tenant) -> None:
    assert api.head("/customers/cus_nobody", headers=tenant.headers).status_code == 404
    assert api.head("/healthz").status_code == 200


def test_method_not_allowed_comes_before_authentication(api: TestClient) -> None:
    reply = api.put("/customers")

    assert_http_error(reply, 405, "method_not_allowed")
    assert reply.headers["allow"] == "GET, POST"


# --- request ids and caching ----------------------------------------------------------


@pytest.mark.parametrize(
    "request_id", ["abc", "A", "req-1.2_3:4", "0" * 128, "550e8400-e29b-41d4-a716-446655440000"]
)
def test_sane_request_id_is_echoed(api: TestClient, tenant: Tenant, request_id: str) -> None:
    reply = api.get("/customers", headers={**tenant.headers, "X-Request-Id": request_id})

    assert reply.status_code == 200
    assert reply.headers["x-request-id"] == request_id


@pytest.mark.parametrize(
    "request_id",
    [b"", b"0" * 129, b"has space", b"semi;colon", b"slash/", "ünï".encode(), b"a,b", b"<x>"],
)
def test_insane_request_id_is_replaced(api: TestClient, tenant: Tenant, request_id: bytes) -> None:
    headers = [(b"authorization", tenant.headers["Authorization"].encode())]
    reply = api.get("/customers", headers=[*headers, (b"x-request-id", request_id)])

    assert reply.status_code == 200
    replaced = reply.headers["x-request-id"]
    assert replaced.encode() != request_id
    assert 1 <= len(replaced) <= 128
    assert all(character.isalnum() or character in "._:-" for character in replaced)


def test_every_response_has_a_fresh_request_id(api: TestClient, tenant: Tenant) -> None:
    replies = [
        api.get("/customers", headers=tenant.headers),
        api.get("/customers"),
        api.get("/nope"),
        api.put("/customers"),
        api.post("/oauth/token", data={}),
    ]

    ids = [reply.headers["x-request-id"] for reply in replies]
    assert all(ids)
    assert len(set(ids)) == len(ids)


def test_request_id_is_echoed_on_errors(api: TestClient) -> None:
    reply = api.get("/customers", headers={"X-Request-Id": "trace-42"})

    assert reply.status_code == 401
    assert reply.headers["x-request-id"] == "trace-42"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/customers", 200),
        ("GET", "/customers/cus_x", 404),
        ("GET", "/nope", 404),
        ("PUT", "/customers", 405),
    ],
)
def test_api_responses_are_not_stored(
    api: TestClient, tenant: Tenant, method: str, path: str, status: int
) -> None:
    reply = api.request(method, path, headers=tenant.headers)

    assert reply.status_code == status
    assert reply.headers["cache-control"] == "no-store"


def test_created_customer_is_not_stored_by_caches(api: TestClient, tenant: Tenant) -> None:
    reply = api.post("/customers", json=NEW_CUSTOMER, headers=tenant.headers)

    assert reply.status_code == 201
    assert reply.headers["cache-control"] == "no-store"


# --- request bodies -------------------------------------------------------------------


@pytest.mark.parametrize(
    "content", ["{", '{"name": "Acme",}', "{'name': 'Acme'}", '{"name": NaN', "\xff", "nul\x00"]
)
def test_malformed_json_is_invalid_json(api: TestClient, tenant: Tenant, content: str) -> None:
    reply = post_raw(api, tenant, content, "application/json")

    assert_http_error(reply, 400, "invalid_json")
    assert customer_count(api, tenant) == 0


@pytest.mark.parametrize(
    "content",
    [
        b'{"name": "Acme", "email": "a@acme.com", "legal_name": NaN}',
        b'{"name": "Acme", "email": "a@acme.com", "legal_name": Infinity}',
        b'{"name": "Acme", "email": "a@acme.com", "legal_name": -Infinity}',
        b'{"name": "Acme", "email": "a@acme.com", "name": "Other"}',
        '{"name": "Acme", "email": "a@acme.com"}'.encode("utf-16"),
        '{"name": "Acme", "email": "a@acme.com"}'.encode("utf-32"),
    ],
    ids=["nan", "infinity", "minus-infinity", "repeated-name", "utf-16", "utf-32"],
)
def test_what_rfc_8259_does_not_allow_is_invalid_json(
    api: TestClient, tenant: Tenant, content: bytes
) -> None:
    reply = post_raw(api, tenant, content, "application/json")

    assert_http_error(reply, 400, "invalid_json")
    assert customer_count(api, tenant) == 0


def test_invalid_utf8_is_invalid_json(api: TestClient, tenant: Tenant) -> None:
    reply = post_raw(api, tenant, b'{"name": "\xff\xfe"}', "application/json")

    assert_http_error(reply, 400, "invalid_json")


@pytest.mark.parametrize(
    "content", ["[]", '[{"name": "Acme"}]', '"Acme"', "42", "null", "true", ""]
)
def test_body_that_is_not_an_object_is_invalid_json(
    api: TestClient, tenant: Tenant, content: str
) -> None:
    reply = post_raw(api, tenant, content, "application/json")

    assert_http_error(reply, 400, "invalid_json")


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data", "text/json", None],
)
def test_body_that_is_not_json_is_unsupported_media_type(
    api: TestClient, tenant: Tenant, content_type: str | None
) -> None:
    reply = post_raw(api, tenant, json.dumps(NEW_CUSTOMER), content_type)

    assert_http_error(reply, 415, "unsupported_media_type")
    assert customer_count(api, tenant) == 0


def test_json_media_type_with_parameters_is_accepted(api: TestClient, tenant: Tenant) -> None:
    reply = post_raw(api, tenant, json.dumps(NEW_CUSTOMER), "Application/JSON; charset=utf-8")

    assert reply.status_code == 201, reply.text


def test_body_over_one_mib_is_payload_too_large(api: TestClient, tenant: Tenant) -> None:
    content = json.dumps({**NEW_CUSTOMER, "legal_name": "x" * (2 * MIB)})

    reply = post_raw(api, tenant, content, "application/json")

    assert_http_error(reply, 413, "payload_too_large")
    assert customer_count(api, tenant) == 0


def test_body_of_exactly_one_mib_is_read(api: TestClient, tenant: Tenant) -> None:
    prefix, suffix = '{"name": "Acme", "email": "a@acme.com", "legal_name": "', '"}'
    content = prefix + "x" * (MIB - len(prefix) - len(suffix)) + suffix
    assert len(content.encode()) == MIB

    just_fits = post_raw(api, tenant, content, "application/json")
    one_more = post_raw(api, tenant, content + " ", "application/json")

    # Read and validated (legal_name is too long), not refused for its size.
    assert_http_error(just_fits, 422, "validation_error")
    assert_http_error(one_more, 413, "payload_too_large")


def test_streamed_body_over_one_mib_is_payload_too_large(api: TestClient, tenant: Tenant) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "Acme", "email": "a@acme.com", "legal_name": "'
        for _ in range(2 * 64):
            yield b"x" * (16 * 1024)
        yield b'"}'

    reply = api.post(
        "/customers",
        content=chunks(),
        headers={**tenant.headers, "Content-Type": "application/json"},
    )

    assert_http_error(reply, 413, "payload_too_large")


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"name": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}",
        "[" * 100_000,
    ],
    ids=["array", "in-object", "objects", "unclosed"],
)
def test_deeply_nested_json_is_a_client_error(
    api: TestClient, tenant: Tenant, content: str
) -> None:
    reply = post_raw(api, tenant, content, "application/json")

    assert_http_error(reply, 400, "invalid_json")


def test_authentication_comes_before_body_size(api: TestClient) -> None:
    reply = api.post(
        "/customers",
        content=b"{" + b" " * (2 * MIB) + b"}",
        headers={"Content-Type": "application/json"},
    )

    assert_http_error(reply, 401, "unauthorized")


def test_authentication_comes_before_media_type(api: TestClient) -> None:
    reply = api.post("/customers", content=b"name=Acme", headers={"Content-Type": "text/plain"})

    assert_http_error(reply, 401, "unauthorized")


def test_scope_comes_before_body_size_and_type(api: TestClient, reader: Tenant) -> None:
    huge = post_raw(api, reader, b"{" + b" " * (2 * MIB) + b"}", "application/json")
    form = post_raw(api, reader, b"name=Acme", "application/x-www-form-urlencoded")

    assert_http_error(huge, 403, "forbidden")
    assert_http_error(form, 403, "forbidden")


def test_body_size_comes_before_media_type(api: TestClient, tenant: Tenant) -> None:
    reply = post_raw(api, tenant, b"x" * (2 * MIB), "text/plain")

    assert_http_error(reply, 413, "payload_too_large")


def test_validation_error_names_each_field(api: TestClient, tenant: Tenant) -> None:
    reply = api.post(
        "/customers", json={"email": "not-an-email", "color": "red"}, headers=tenant.headers
    )

    body = assert_http_error(reply, 422, "validation_error")
    assert {"name", "email", "color"} <= set(body["validation_errors"])


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"created_at_start": "today"}]
)
def test_bad_query_parameter_is_invalid_parameter(
    api: TestClient, tenant: Tenant, params: dict[str, str]
) -> None:
    reply = api.get("/customers", params=params, headers=tenant.headers)

    assert_http_error(reply, 400, "invalid_parameter", fields=params)


# --- 500 ------------------------------------------------------------------------------

HOSTILE_BODIES: list[tuple[bytes, str]] = [
    (b"\x00", "application/json"),
    (b'{"name": "\\u0000", "email": "a@b.co"}', "application/json"),
    (b'{"name": "\\ud800", "email": "a@b.co"}', "application/json"),
    (b'{"name": 1e999, "email": "a@b.co"}', "application/json"),
    (b'{"name": ' + b"9" * 5000 + b', "email": "a@b.co"}', "application/json"),
    (b'{"name": {"$ne": null}, "email": ["a@b.co"]}', "application/json"),
    (b'{"name": "' + "é".encode() * 300 + b'", "email": "a@b.co"}', "application/json"),
    (b"{}", "application/json; charset=latin-1"),
    (b"{}", "application/json; =;"),
    (b"\xef\xbb\xbf{}", "application/json"),
]
HOSTILE_PATHS = [
    "/customers",
    "/customers/cus_00000000000000000000000000",
    "/customers/%00",
    "/customers/" + "x" * 5000,
    "/customers/cus_x/users",
    "/customers/..%2F..%2Fetc/users",
    "/customers/cus_x/payment-methods/%F0%9F%92%A5",
    "/customers/cus_x/restore",
]


@pytest.mark.parametrize(("content", "content_type"), HOSTILE_BODIES)
def test_hostile_bodies_never_cause_a_server_error(
    api: TestClient, tenant: Tenant, content: bytes, content_type: str
) -> None:
    for path in ("/customers", "/customers/cus_x/users"):
        reply = api.post(
            path, content=content, headers={**tenant.headers, "Content-Type": content_type}
        )

        assert 400 <= reply.status_code < 500 or reply.status_code == 201, reply.text
        if reply.status_code >= 400:
            assert_http_error(reply, reply.status_code, reply.json()["code"])


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_hostile_paths_never_cause_a_server_error(
    api: TestClient, tenant: Tenant, path: str
) -> None:
    for method in ("GET", "POST", "PATCH", "DELETE", "PUT"):
        reply = api.request(method, path, json={"name": "x"}, headers=tenant.headers)

        assert reply.status_code < 500, (method, reply.text)
        if reply.status_code >= 400:
            assert_http_error(reply, reply.status_code, reply.json()["code"])


@pytest.fixture
def faulty_api(settings: Settings) -> Iterator[TestClient]:
    """The app with one extra route that fails as our own code might."""
    app = create_app(settings)

    async def explode() -> None:
        raise RuntimeError("sqlite:////secret/path.db password=hunter2")

    app.add_api_route("/explode", explode, methods=["GET"])
    # TestClient's default (raise_server_exceptions): this exception never reaches it, since
    # the app's request middleware answers it with the 500 HttpError and logs it.
    with TestClient(app) as client:
        yield client


def test_server_error_reveals_no_internals(faulty_api: TestClient) -> None:
    reply = faulty_api.get("/explode", headers={"X-Request-Id": "fault-1"})

    body = assert_http_error(reply, 500, "internal_error")
    assert body == {
        "code": "internal_error",
        "message": "An internal error occurred.",
        "validation_errors": {},
    }
    assert "hunter2" not in reply.text
    assert "RuntimeError" not in reply.text
    assert reply.headers["x-request-id"] == "fault-1"
    assert reply.headers["cache-control"] == "no-store"


def test_server_error_is_logged_with_its_traceback(
    faulty_api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    # What makes an unexpected exception of the app visible in a failing test's output
    # (pytest shows the captured log): the client only ever sees the 500.
    faulty_api.get("/explode", headers={"X-Request-Id": "fault-2"})

    (record,) = [record for record in caplog.records if record.exc_info]
    assert record.name == "altpay"
    assert record.getMessage() == "unhandled error"
    assert record.request_id == "fault-2"  # type: ignore[attr-defined]
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
