"""Signing-key rotation: ALTPAY_SIGNING_KEY signs, ALTPAY_SIGNING_KEY_PREVIOUS still verifies."""

from __future__ import annotations

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from altpay.app import create_app
from altpay.core.settings import ConfigurationError, Settings, check_production_ready
from tests.support.app import TEST_SIGNING_KEY
from tests.support.errors import assert_http_error
from tests.support.tenants import Tenant

NEW_KEY = "a-brand-new-signing-key-of-more-than-32-bytes"


def rotated(settings: Settings, *, keep_previous: bool) -> Settings:
    previous = SecretStr(TEST_SIGNING_KEY) if keep_previous else None
    return settings.model_copy(
        update={"signing_key": SecretStr(NEW_KEY), "signing_key_previous": previous}
    )


def first_page_cursor(api: TestClient, tenant: Tenant) -> str:
    for name in ("A", "B"):
        api.post("/customers", json={"name": name, "email": "a@b.example"}, headers=tenant.headers)
    cursor: str = api.get("/customers?limit=1", headers=tenant.headers).json()["end_cursor"]
    return cursor


def test_tokens_and_cursors_survive_a_rotation(
    api: TestClient, tenant: Tenant, settings: Settings
) -> None:
    cursor = first_page_cursor(api, tenant)

    with TestClient(create_app(rotated(settings, keep_previous=True))) as after:
        page = after.get(f"/customers?limit=1&after={cursor}", headers=tenant.headers)
        token = after.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(tenant.client_id, tenant.client_secret),
        ).json()["access_token"]

    assert page.status_code == 200
    assert [customer["name"] for customer in page.json()["data"]] == ["A"]
    old_kid = jwt.get_unverified_header(tenant.token)["kid"]
    assert jwt.get_unverified_header(token)["kid"] != old_kid


def test_without_the_previous_key_old_tokens_and_cursors_are_refused(
    api: TestClient, tenant: Tenant, settings: Settings
) -> None:
    cursor = first_page_cursor(api, tenant)

    with TestClient(create_app(rotated(settings, keep_previous=False))) as after:
        old_token = after.get("/customers", headers=tenant.headers)
        token = after.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(tenant.client_id, tenant.client_secret),
        ).json()["access_token"]
        old_cursor = after.get(
            f"/customers?after={cursor}", headers={"Authorization": f"Bearer {token}"}
        )

    assert old_token.status_code == 401
    assert_http_error(old_cursor, 400, "invalid_cursor")


def test_a_weak_previous_key_is_refused(settings: Settings) -> None:
    weak = settings.model_copy(update={"signing_key_previous": SecretStr("short")})

    with pytest.raises(ConfigurationError, match="ALTPAY_SIGNING_KEY_PREVIOUS"):
        check_production_ready(weak)


def test_production_names_everything_missing(tmp_path: object) -> None:
    production = Settings(env="production", data_dir=str(tmp_path))

    with pytest.raises(ConfigurationError) as refused:
        check_production_ready(production)

    assert "ALTPAY_DATABASE_URL" in str(refused.value)
    assert "ALTPAY_SIGNING_KEY" in str(refused.value)


def test_production_refuses_a_weak_key(tmp_path: object) -> None:
    production = Settings(
        env="production",
        data_dir=str(tmp_path),
        database_url="sqlite:///x.db",
        signing_key="not-long-enough",
    )

    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        check_production_ready(production)
