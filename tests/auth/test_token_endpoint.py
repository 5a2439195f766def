"""POST /oauth/token: the client-credentials grant and RFC 6749 §5 errors."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.support.tenants import Tenant, create_tenant, disable_client

TOKEN_URL = "/oauth/token"
GRANT = {"grant_type": "client_credentials"}
CUSTOMERS = "customers:read customers:write"
ALL = "customers:read customers:write webhooks:read webhooks:write"


def basic(client_id: str, client_secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def assert_oauth_error(reply: Any, status: int, error: str) -> None:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert isinstance(body["error_description"], str)
    assert body["error_description"]
    assert reply.headers["cache-control"] == "no-store"


# --- success ---------------------------------------------------------------------------


def test_basic_authentication_issues_a_token_for_all_scopes(
    api: TestClient, tenant: Tenant
) -> None:
    reply = api.post(TOKEN_URL, data=GRANT, auth=(tenant.client_id, tenant.client_secret))

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body == {
        "access_token": body["access_token"],
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": ALL,
    }
    assert isinstance(body["access_token"], str)
    assert body["access_token"].count(".") == 2
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["pragma"] == "no-cache"
    assert reply.headers["content-type"].startswith("application/json")


def test_form_credentials_issue_a_token(api: TestClient, tenant: Tenant) -> None:
    form = {**GRANT, "client_id": tenant.client_id, "client_secret": tenant.client_secret}

    reply = api.post(TOKEN_URL, data=form)

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body == {
        "access_token": body["access_token"],
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": ALL,
    }
    assert reply.headers["cache-control"] == "no-store"


def test_issued_token_works_on_the_api(api: TestClient, tenant: Tenant) -> None:
    reply = api.post(TOKEN_URL, data=GRANT, auth=(tenant.client_id, tenant.client_secret))
    token = reply.json()["access_token"]

    listed = api.get("/customers", headers={"Authorization": f"Bearer {token}"})

    assert listed.status_code == 200, listed.text


def test_each_token_is_distinct(api: TestClient, tenant: Tenant) -> None:
    first = api.post(TOKEN_URL, data=GRANT, auth=(tenant.client_id, tenant.client_secret))
    second = api.post(TOKEN_URL, data=GRANT, auth=(tenant.client_id, tenant.client_secret))

    first_claims = jwt.decode(first.json()["access_token"], options={"verify_signature": False})
    second_claims = jwt.decode(second.json()["access_token"], options={"verify_signature": False})
    assert first_claims["jti"] != second_claims["jti"]


@pytest.mark.parametrize(
    ("requested", "granted"),
    [
        ("customers:read", "customers:read"),
        ("customers:write", "customers:write"),
        ("customers:write customers:read", CUSTOMERS),
        ("webhooks:write customers:read", "customers:read webhooks:write"),
        ("", ALL),
        ("   ", ALL),
        ("customers:read  customers:read", "customers:read"),
    ],
)
def test_requested_scope_is_granted(
    api: TestClient, tenant: Tenant, requested: str, granted: str
) -> None:
    reply = api.post(
        TOKEN_URL,
        data={**GRANT, "scope": requested},
        auth=(tenant.client_id, tenant.client_secret),
    )

    assert reply.status_code == 200, reply.text
    assert reply.json()["scope"] == granted
    claims = jwt.decode(reply.json()["access_token"], options={"verify_signature": False})
    assert claims["scope"] == granted


def test_subset_scope_token_is_limited_to_that_scope(api: TestClient, tenant: Tenant) -> None:
    reply = api.post(
        TOKEN_URL,
        data={**GRANT, "scope": "customers:read"},
        auth=(tenant.client_id, tenant.client_secret),
    )
    headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}

    assert api.get("/customers", headers=headers).status_code == 200
    created = api.post("/customers", json={"name": "A", "email": "a@a.com"}, headers=headers)
    assert created.status_code == 403


def test_reader_client_gets_only_its_scope(api: TestClient, reader: Tenant) -> None:
    reply = api.post(TOKEN_URL, data=GRANT, auth=(reader.client_id, reader.client_secret))

    assert reply.status_code == 200
    assert reply.json()["scope"] == "customers:read"


def test_basic_credentials_are_form_decoded(api: TestClient, tenant: Tenant) -> None:
    # RFC 6749 §2.3.1: the id and secret are form-encoded before the Basic encoding.
    headers = basic(tenant.client_id, tenant.client_secret.replace("_", "%5F"))

    reply = api.post(TOKEN_URL, data=GRANT, headers=headers)

    assert reply.status_code == 200, reply.text


def test_form_content_type_with_charset_is_accepted(api: TestClient, tenant: Tenant) -> None:
    reply = api.post(
        TOKEN_URL,
        content="grant_type=client_credentials",
        headers={
            **basic(tenant.client_id, tenant.client_secret),
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        },
    )

    assert reply.status_code == 200, reply.text


# --- the access token (RFC 9068) --------------------------------------------------------


def test_access_token_follows_rfc_9068(api: TestClient, tenant: Tenant) -> None:
    reply = api.post(TOKEN_URL, data=GRANT, auth=(tenant.client_id, tenant.client_secret))
    token = reply.json()["access_token"]

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})

    assert header["typ"] == "at+jwt"
    assert header["alg"] == "HS256"
    assert isinstance(header["kid"], str)
    assert header["kid"]
    assert claims["iss"] == "altpay"
    assert claims["aud"] == "altpay-api"
    assert claims["sub"] == tenant.client_id
    assert claims["client_id"] == tenant.client_id
    assert claims["account_id"] == tenant.account_id
    assert claims["scope"] == ALL
    assert claims["exp"] - claims["iat"] == 3600
    assert isinstance(claims["jti"], str)
    assert claims["jti"]


# --- invalid_request ------------------------------------------------------------------


def test_missing_grant_type_is_invalid_request(api: TestClient, tenant: Tenant) -> None:
    reply = api.post(TOKEN_URL, data={}, auth=(tenant.client_id, tenant.client_secret))

    assert_oauth_error(reply, 400, "invalid_request")


def test_empty_grant_type_is_invalid_request(api: TestClient, tenant: Tenant) -> None:
    reply = api.post(
        TOKEN_URL, data={"grant_type": ""}, auth=(tenant.client_id, tenant.client_secret)
    )

    assert_oauth_error(reply, 400, "invalid_request")


@pytest.mark.parametrize("authenticated", [True, False])
def test_an_empty_body_says_grant_type_is_missing(
    api: TestClient, tenant: Tenant, *, authenticated: bool
) -> None:
    credentials = (tenant.client_id, tenant.client_secret) if authenticated else None
    reply = api.post(TOKEN_URL, auth=credentials)

    assert_oauth_error(reply, 400, "invalid_request")
    assert reply.json()["error_description"].startswith("grant_type is missing")


def test_a_form_without_grant_type_says_it_is_missing(api: TestClient, tenant: Tenant) -> None:
    reply = api.post(
        TOKEN_URL, data={"scope": "customers:read"}, auth=(tenant.client_id, tenant.client_secret)
    )

    assert_oauth_error(reply, 400, "invalid_request")
    assert reply.json()["error_description"].startswith("grant_type is missing")


def test_json_body_is_invalid_request(api: TestClient, tenant: Tenant) -> None:
    reply = api.post(TOKEN_URL, json=GRANT, auth=(tenant.client_id, tenant.client_secret))

    assert_oauth_error(reply, 400, "invalid_request")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "multipart/form-data; boundary=x", "application/json", None]
)
def test_non_form_content_type_is_invalid_request(
    api: TestClient, tenant: Tenant, content_type: str | None
) -> None:
    headers = basic(tenant.client_id, tenant.client_secret)
    if content_type is not None:
        headers["Content-Type"] = content_type

    reply = api.post(TOKEN_URL, content=b"grant_type=client_credentials", headers=headers)

    assert_oauth_error(reply, 400, "invalid_request")


def test_oversized_body_is_invalid_request(api: TestClient, tenant: Tenant) -> None:
    form = {**GRANT, "scope": "customers:read " * 2000}

    reply = api.post(TOKEN_URL, data=form, auth=(tenant.client_id, tenant.client_secret))

    assert_oauth_error(reply, 400, "invalid_request")


def test_oversized_streamed_body_is_invalid_request(api: TestClient, tenant: Tenant) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"grant_type=client_credentials&scope="
        for _ in range(40):
            yield b"x" * 1024

    reply = api.post(
        TOKEN_URL,
        content=chunks(),
        headers={
            **basic(tenant.client_id, tenant.client_secret),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    assert_oauth_error(reply, 400, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        b"grant_type=client_credentials&grant_type=client_credentials",
        b"grant_type=client_credentials&scope=customers:read&scope=customers:write",
    ],
)
def test_repeated_parameter_is_invalid_request(
    api: TestClient, tenant: Tenant, body: bytes
) -> None:
    reply = api.post(
        TOKEN_URL,
        content=body,
        headers={
            **basic(tenant.client_id, tenant.client_secret),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    assert_oauth_error(reply, 400, "invalid_request")


@pytest.mark.parametrize("body", [b"grant_type", b"\xff\xfe=\x00", b"&&&"])
def test_malformed_form_is_invalid_request(api: TestClient, tenant: Tenant, body: bytes) -> None:
    reply = api.post(
        TOKEN_URL,
        content=body,
        headers={
            **basic(tenant.client_id, tenant.client_secret),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    assert_oauth_error(reply, 400, "invalid_request")


def test_basic_and_form_credentials_together_is_invalid_request(
    api: TestClient, tenant: Tenant
) -> None:
    form = {**GRANT, "client_id": tenant.client_id, "client_secret": tenant.client_secret}

    reply = api.post(TOKEN_URL, data=form, auth=(tenant.client_id, tenant.client_secret))

    assert_oauth_error(reply, 400, "invalid_request")


def test_basic_and_form_client_id_together_is_invalid_request(
    api: TestClient, tenant: Tenant
) -> None:
    form = {**GRANT, "client_id": tenant.client_id}

    reply = api.post(TOKEN_URL, data=form, auth=(tenant.client_id, tenant.client_secret))

    assert_oauth_error(reply, 400, "invalid_request")


# --- invalid_client -------------------------------------------------------------------


def test_unknown_client_is_invalid_client(api: TestClient, tenant: Tenant) -> None:
    reply = api.post(TOKEN_URL, data=GRANT, auth=("cli_nobody", tenant.client_secret))

    assert_oauth_error(reply, 401, "invalid_client")
    assert reply.headers["www-authenticate"].startswith("Basic")


def test_wrong_secret_with_basic_is_invalid_client_with_challenge(
    api: TestClient, tenant: Tenant
) -> None:
    reply = api.post(TOKEN_URL, data=GRANT, auth=(tenant.client_id, tenant.client_secret + "x"))

    assert_oauth_error(reply, 401, "invalid_client")
    assert reply.headers["www-authenticate"].startswith("Basic")


def test_wrong_secret_with_form_is_invalid_client(api: TestClient, tenant: Tenant) -> None:
    form = {**GRANT, "client_id": tenant.client_id, "client_secret": "sk_wrong"}

    reply = api.post(TOKEN_URL, data=form)

    assert_oauth_error(reply, 401, "invalid_client")
    # RFC 9110 §15.5.2: every 401 carries a challenge.
    assert reply.headers["www-authenticate"].startswith("Basic")


def test_unknown_wrong_and_disabled_clients_are_indistinguishable(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    disable_client(api, other_tenant.client_id)

    replies = [
        api.post(TOKEN_URL, data=GRANT, auth=("cli_nobody", "sk_nothing")),
        api.post(TOKEN_URL, data=GRANT, auth=(tenant.client_id, "sk_nothing")),
        api.post(TOKEN_URL, data=GRANT, auth=(other_tenant.client_id, other_tenant.client_secret)),
    ]

    for reply in replies:
        assert_oauth_error(reply, 401, "invalid_client")
    assert len({reply.text for reply in replies}) == 1


def test_disabled_client_is_invalid_client(api: TestClient, tenant: Tenant) -> None:
    disable_client(api, tenant.client_id)

    reply = api.post(TOKEN_URL, data=GRANT, auth=(tenant.client_id, tenant.client_secret))

    assert_oauth_error(reply, 401, "invalid_client")
    assert reply.headers["www-authenticate"].startswith("Basic")


def test_another_clients_secret_is_invalid_client(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    reply = api.post(TOKEN_URL, data=GRANT, auth=(tenant.client_id, other_tenant.client_secret))

    assert_oauth_error(reply, 401, "invalid_client")


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"client_id": "cli_x"},
        {"client_secret": "sk_x"},
        {"client_id": "", "client_secret": ""},
    ],
)
def test_missing_credentials_is_invalid_client(api: TestClient, form: dict[str, str]) -> None:
    reply = api.post(TOKEN_URL, data={**GRANT, **form})

    assert_oauth_error(reply, 401, "invalid_client")
    assert "www-authenticate" in reply.headers


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode("é:é".encode()).decode(),
        "Basic",
    ],
)
def test_malformed_basic_header_is_invalid_client(api: TestClient, authorization: str) -> None:
    reply = api.post(TOKEN_URL, data=GRANT, headers={"Authorization": authorization})

    assert_oauth_error(reply, 401, "invalid_client")
    assert reply.headers["www-authenticate"].startswith("Basic")


# --- unsupported_grant_type and invalid_scope -----------------------------------------


@pytest.mark.parametrize(
    "grant_type", ["password", "authorization_code", "refresh_token", "CLIENT_CREDENTIALS"]
)
def test_other_grant_types_are_unsupported(
    api: TestClient, tenant: Tenant, grant_type: str
) -> None:
    reply = api.post(
        TOKEN_URL,
        data={"grant_type": grant_type},
        auth=(tenant.client_id, tenant.client_secret),
    )

    assert_oauth_error(reply, 400, "unsupported_grant_type")


@pytest.mark.parametrize(
    "scope", ["read", "write", "customers:admin", "customers:read admin", "CUSTOMERS:READ"]
)
def test_unknown_scope_is_invalid_scope(api: TestClient, tenant: Tenant, scope: str) -> None:
    reply = api.post(
        TOKEN_URL, data={**GRANT, "scope": scope}, auth=(tenant.client_id, tenant.client_secret)
    )

    assert_oauth_error(reply, 400, "invalid_scope")


def test_scope_the_client_lacks_is_invalid_scope(api: TestClient, reader: Tenant) -> None:
    for scope in ("customers:write", ALL):
        reply = api.post(
            TOKEN_URL,
            data={**GRANT, "scope": scope},
            auth=(reader.client_id, reader.client_secret),
        )

        assert_oauth_error(reply, 400, "invalid_scope")


# --- rate limiting --------------------------------------------------------------------


def test_token_requests_are_rate_limited(limited_api: TestClient) -> None:
    # create_tenant spends this second's one token request.
    tenant = create_tenant(limited_api)

    reply = limited_api.post(TOKEN_URL, data=GRANT, auth=(tenant.client_id, tenant.client_secret))

    assert_oauth_error(reply, 429, "rate_limited")
    assert int(reply.headers["retry-after"]) >= 1
    assert reply.headers["ratelimit-policy"] == '"token";q=1;w=1'
    assert reply.headers["ratelimit"].startswith('"token";r=0;t=')


def test_a_token_answer_carries_the_rate_limit_headers(limited_api: TestClient) -> None:
    # Another address than create_tenant's: its one request this second is still free.
    reply = limited_api.post(TOKEN_URL, data=GRANT, auth=("cli_nobody", "sk_x"))

    assert reply.status_code == 401, reply.text
    assert reply.headers["ratelimit-policy"] == '"token";q=1;w=1'
    assert reply.headers["ratelimit"].startswith('"token";r=0;t=')


def test_failed_guesses_are_rate_limited(limited_api: TestClient) -> None:
    tenant = create_tenant(limited_api)

    replies = [
        limited_api.post(TOKEN_URL, data=GRANT, auth=(tenant.client_id, f"sk_guess{attempt}"))
        for attempt in range(3)
    ]

    assert all(reply.status_code == 429 for reply in replies), [r.text for r in replies]
    assert_oauth_error(replies[-1], 429, "rate_limited")


def test_token_requests_are_rate_limited_per_address(limited_api: TestClient) -> None:
    create_tenant(limited_api)

    reply = limited_api.post(TOKEN_URL, data=GRANT, auth=("cli_someone_else", "sk_x"))

    assert_oauth_error(reply, 429, "rate_limited")
    assert int(reply.headers["retry-after"]) >= 1


def test_token_responses_are_never_replayed_for_an_idempotency_key(
    api: TestClient, tenant: Tenant
) -> None:
    headers = {**basic(tenant.client_id, tenant.client_secret), "Idempotency-Key": "same-key"}

    first = api.post(TOKEN_URL, data=GRANT, headers=headers)
    second = api.post(TOKEN_URL, data=GRANT, headers=headers)

    assert first.status_code == second.status_code == 200
    assert "idempotent-replayed" not in second.headers
    assert first.json()["access_token"] != second.json()["access_token"]
