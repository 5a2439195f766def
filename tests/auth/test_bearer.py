"""Bearer authentication of the API (RFC 6750): tokens, scopes, revocation, rate limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.support.app import TEST_SIGNING_KEY, issue_token
from tests.support.errors import (
    assert_http_error,
    assert_insufficient_scope,
    assert_unauthenticated,
)
from tests.support.tenants import Tenant, create_tenant, disable_client, new_clients

INVALID_TOKEN = 'Bearer error="invalid_token"'
# The token key is derived from the configured signing key, as altpay.auth.tokens does.
TOKEN_KEY = hmac.new(TEST_SIGNING_KEY.encode(), b"altpay:access-token", hashlib.sha256).digest()
OTHER_KEY = b"another-key-of-at-least-32-bytes-long-0123456789"


def assert_invalid_token(reply: Any) -> None:
    assert_http_error(reply, 401, "unauthorized", validation_errors={})
    assert reply.headers["www-authenticate"] == INVALID_TOKEN


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims_of(tenant: Tenant) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(tenant.token, options={"verify_signature": False})
    return claims


def header_of(tenant: Tenant) -> dict[str, Any]:
    return jwt.get_unverified_header(tenant.token)


def forge(
    tenant: Tenant,
    *,
    key: bytes = TOKEN_KEY,
    algorithm: str = "HS256",
    header: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    **changes: Any,
) -> str:
    """A token like the tenant's, with changed claims or header, signed with ``key``."""
    claims = {**claims_of(tenant), **changes}
    for name in drop:
        del claims[name]
    headers = {"typ": "at+jwt", "kid": header_of(tenant)["kid"], **(header or {})}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


# --- no or malformed credentials ------------------------------------------------------


def test_no_authorization_header_is_401_without_error_attribute(api: TestClient) -> None:
    reply = api.get("/customers")

    assert_unauthenticated(reply)


@pytest.mark.parametrize(
    "authorization",
    ["Basic eDp5", "Bearer", "Bearer ", "Token abc", "bearer-token", "Bearer not-a-jwt"],
)
def test_malformed_authorization_is_invalid_token(api: TestClient, authorization: str) -> None:
    reply = api.get("/customers", headers={"Authorization": authorization})

    assert_invalid_token(reply)


def test_scheme_is_case_insensitive(api: TestClient, tenant: Tenant) -> None:
    reply = api.get("/customers", headers={"Authorization": f"bearer {tenant.token}"})

    assert reply.status_code == 200, reply.text


def test_token_in_query_string_is_not_accepted(api: TestClient, tenant: Tenant) -> None:
    reply = api.get("/customers", params={"access_token": tenant.token})

    assert_unauthenticated(reply)


def test_token_in_form_body_is_not_accepted(api: TestClient, tenant: Tenant) -> None:
    reply = api.post("/customers", data={"access_token": tenant.token})

    assert_http_error(reply, 401, "unauthorized", validation_errors={})


# --- tokens that are not ours, or no longer valid -------------------------------------


def test_forged_token_with_the_real_key_is_accepted(api: TestClient, tenant: Tenant) -> None:
    # The control for every forgery below: only the one changed detail makes them fail.
    reply = api.get("/customers", headers=bearer(forge(tenant)))

    assert reply.status_code == 200, reply.text


def test_expired_token_is_invalid(api: TestClient, tenant: Tenant) -> None:
    now = int(time.time())
    token = forge(tenant, iat=now - 7200, exp=now - 3600)

    reply = api.get("/customers", headers=bearer(token))

    assert_invalid_token(reply)


def test_altered_payload_is_invalid(api: TestClient, tenant: Tenant, other_tenant: Tenant) -> None:
    header, _payload, signature = tenant.token.split(".")
    claims = {**claims_of(tenant), "account_id": other_tenant.account_id}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    reply = api.get("/customers", headers=bearer(f"{header}.{payload}.{signature}"))

    assert_invalid_token(reply)


def test_altered_signature_is_invalid(api: TestClient, tenant: Tenant) -> None:
    header, payload, signature = tenant.token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    reply = api.get("/customers", headers=bearer(f"{header}.{payload}.{flipped}"))

    assert_invalid_token(reply)


def test_token_signed_with_another_key_is_invalid(api: TestClient, tenant: Tenant) -> None:
    reply = api.get("/customers", headers=bearer(forge(tenant, key=OTHER_KEY)))

    assert_invalid_token(reply)


def test_token_signed_with_the_master_key_is_invalid(api: TestClient, tenant: Tenant) -> None:
    token = forge(tenant, key=TEST_SIGNING_KEY.encode())

    reply = api.get("/customers", headers=bearer(token))

    assert_invalid_token(reply)


def test_alg_none_is_invalid(api: TestClient, tenant: Tenant) -> None:
    token = jwt.encode(
        claims_of(tenant),
        None,
        algorithm="none",
        headers={"typ": "at+jwt", "kid": header_of(tenant)["kid"]},
    )

    reply = api.get("/customers", headers=bearer(token))

    assert_invalid_token(reply)


# The token key is 32 bytes; PyJWT warns that HS512 would like 64. The point is the algorithm.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_other_hmac_algorithm_is_invalid(api: TestClient, tenant: Tenant) -> None:
    reply = api.get("/customers", headers=bearer(forge(tenant, algorithm="HS512")))

    assert_invalid_token(reply)


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "someone-else"},
        {"aud": ["someone-else"]},
        {"iss": "https://evil.example"},
        {"iat": int(time.time()) + 3600, "exp": int(time.time()) + 7200},
    ],
    ids=["audience", "audience-list", "issuer", "issued-in-future"],
)
def test_wrong_claims_are_invalid(api: TestClient, tenant: Tenant, changes: dict[str, Any]) -> None:
    reply = api.get("/customers", headers=bearer(forge(tenant, **changes)))

    assert_invalid_token(reply)


@pytest.mark.parametrize("claim", ["exp", "iss", "aud", "sub", "scope", "account_id"])
def test_missing_claim_is_invalid(api: TestClient, tenant: Tenant, claim: str) -> None:
    reply = api.get("/customers", headers=bearer(forge(tenant, drop=(claim,))))

    assert_invalid_token(reply)


@pytest.mark.parametrize(
    "header",
    [{"typ": None}, {"typ": "JWT"}, {"typ": "at+JWT-other"}, {"kid": "not-our-key"}],
    ids=["missing-typ", "typ-jwt", "other-typ", "unknown-kid"],
)
def test_wrong_header_is_invalid(api: TestClient, tenant: Tenant, header: dict[str, Any]) -> None:
    reply = api.get("/customers", headers=bearer(forge(tenant, header=header)))

    assert_invalid_token(reply)


def test_missing_kid_is_invalid(api: TestClient, tenant: Tenant) -> None:
    token = jwt.encode(claims_of(tenant), TOKEN_KEY, algorithm="HS256", headers={"typ": "at+jwt"})

    reply = api.get("/customers", headers=bearer(token))

    assert_invalid_token(reply)


def test_token_for_another_client_does_not_reach_its_data(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = api.post(
        "/customers", json={"name": "Mine", "email": "m@acme.com"}, headers=tenant.headers
    )
    assert created.status_code == 201

    listed = api.get("/customers", headers=other_tenant.headers)

    assert listed.status_code == 200
    assert listed.json()["data"] == []


# --- revocation -----------------------------------------------------------------------


def test_disabled_clients_token_stops_working(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    assert api.get("/customers", headers=tenant.headers).status_code == 200

    disable_client(api, tenant.client_id)

    assert_invalid_token(api.get("/customers", headers=tenant.headers))
    assert api.get("/customers", headers=other_tenant.headers).status_code == 200


# --- scopes ---------------------------------------------------------------------------


def test_reading_needs_the_read_scope(api: TestClient, writer: Tenant) -> None:
    assert_insufficient_scope(api.get("/customers", headers=writer.headers))
    assert_insufficient_scope(api.get("/customers/cus_x", headers=writer.headers))


def test_writing_needs_the_write_scope(api: TestClient, reader: Tenant) -> None:
    reply = api.post("/customers", json={"name": "A", "email": "a@a.com"}, headers=reader.headers)

    assert_insufficient_scope(reply)
    assert_insufficient_scope(api.delete("/customers/cus_x", headers=reader.headers))
    assert_insufficient_scope(api.patch("/customers/cus_x", json={}, headers=reader.headers))


def test_each_scope_allows_its_operations(api: TestClient, reader: Tenant, writer: Tenant) -> None:
    created = api.post("/customers", json={"name": "A", "email": "a@a.com"}, headers=writer.headers)

    assert created.status_code == 201, created.text
    assert api.get("/customers", headers=reader.headers).status_code == 200


# --- API rate limit -------------------------------------------------------------------


def token_for_new_client(api: TestClient, tenant: Tenant) -> str:
    """A second client of the tenant's account, with a token issued without /oauth/token."""

    (client,) = new_clients(
        api, names=["second"], scopes=["customers:read"], account_id=tenant.account_id
    )
    return issue_token(
        api, client_id=client.client_id, account_id=tenant.account_id, scopes=("customers:read",)
    )


def test_api_requests_are_rate_limited_per_client(limited_api: TestClient) -> None:
    tenant = create_tenant(limited_api)
    second_token = token_for_new_client(limited_api, tenant)

    first = limited_api.get("/customers", headers=tenant.headers)
    second = limited_api.get("/customers", headers=tenant.headers)
    other_client = limited_api.get("/customers", headers=bearer(second_token))

    assert first.status_code == 200, first.text
    assert_http_error(second, 429, "rate_limited", validation_errors={})
    assert int(second.headers["retry-after"]) >= 1
    # draft-ietf-httpapi-ratelimit-headers, on the 2xx and the 429 alike.
    for reply in (first, second):
        assert reply.headers["ratelimit-policy"] == '"api";q=1;w=1'
        assert re.fullmatch(r'"api";r=0;t=[01]', reply.headers["ratelimit"]), reply.headers
    assert second.headers["cache-control"] == "no-store"
    assert other_client.status_code == 200, other_client.text


def test_rate_limit_of_zero_turns_limits_off(api: TestClient, tenant: Tenant) -> None:
    replies = [api.get("/customers", headers=tenant.headers) for _ in range(12)]

    assert [reply.status_code for reply in replies] == [200] * 12
