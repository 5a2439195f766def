"""Idempotency-Key on the payment-method writes: a replay creates nothing more."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.customers import archive_customer, new_customer
from tests.support.errors import assert_http_error
from tests.support.payment_methods import US_BANK, add_card, card_body, listed_methods, methods_url
from tests.support.tenants import Tenant

ADDS = {"card": card_body("tok_mastercard"), "bank": US_BANK}


@pytest.mark.parametrize(("kind", "body"), ADDS.items(), ids=ADDS.keys())
def test_a_replayed_add_creates_one_method(
    api: TestClient, tenant: Tenant, kind: str, body: dict[str, Any]
) -> None:
    customer_id = new_customer(api, tenant)
    headers = {**tenant.headers, "Idempotency-Key": f"add-{kind}"}
    url = f"{methods_url(customer_id)}/{kind}"

    first = api.post(url, json=body, headers=headers)
    again = api.post(url, json=body, headers=headers)
    other = api.post(url, json={**body, "custom_name": "other"}, headers=headers)

    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert_http_error(other, 422, "idempotency_key_reused")
    assert listed_methods(api, tenant, customer_id) == [first.json()]


def test_a_refused_token_releases_the_key(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    headers = {**tenant.headers, "Idempotency-Key": "retry-me"}
    url = f"{methods_url(customer_id)}/card"

    refused = api.post(url, json=card_body("tok_expired"), headers=headers)
    fixed = api.post(url, json=card_body("tok_expired"), headers=headers)

    assert_http_error(refused, 422, "card_expired")
    assert "Idempotent-Replayed" not in fixed.headers


def test_a_replayed_default_change_is_the_first_answer(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    first = add_card(api, tenant, customer_id)
    second = add_card(api, tenant, customer_id, "tok_visa_debit")
    headers = {**tenant.headers, "Idempotency-Key": "make-default"}
    url = f"{methods_url(customer_id)}/{second['id']}/default"

    changed = api.patch(url, headers=headers)
    api.patch(f"{methods_url(customer_id)}/{first['id']}/default", headers=tenant.headers)
    replayed = api.patch(url, headers=headers)

    assert (changed.status_code, replayed.status_code) == (200, 200)
    assert replayed.json() == changed.json()
    assert replayed.headers["Idempotent-Replayed"] == "true"
    # The replay wrote nothing: the later change stands.
    assert [m["default"] for m in listed_methods(api, tenant, customer_id)] == [False, True]


def test_an_archived_customers_refusal_is_replayed(api: TestClient, tenant: Tenant) -> None:
    customer_id = new_customer(api, tenant)
    archive_customer(api, tenant, customer_id=customer_id)
    headers = {**tenant.headers, "Idempotency-Key": "archived"}
    url = f"{methods_url(customer_id)}/card"

    refused = api.post(url, json=card_body(), headers=headers)
    replayed = api.post(url, json=card_body(), headers=headers)

    assert_http_error(refused, 400, "customer_archived")
    assert_http_error(replayed, 400, "customer_archived")
    assert replayed.headers["Idempotent-Replayed"] == "true"
