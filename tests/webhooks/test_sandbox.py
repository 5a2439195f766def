"""The sandbox a first ``altpay serve`` creates: its client may manage webhooks."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.cli import altpay_env
from tests.support.server import Server, bearer, printed_credentials
from tests.support.tenants import ApiClient


def test_the_sandbox_client_has_the_webhook_scopes(tmp_path: Path) -> None:
    with Server.start(altpay_env(tmp_path / "data")) as server:
        client_id, secret = printed_credentials(server)
        headers = bearer(server, ApiClient("", client_id, secret))
        body = {"endpoint_url": "http://127.0.0.1:9/hooks", "topic": "invoice_paid"}

        created = httpx.post(f"{server.base_url}/webhooks", json=body, headers=headers)
        listed = httpx.get(f"{server.base_url}/webhooks", headers=headers)

    assert created.status_code == 201, created.text
    assert [item["id"] for item in listed.json()["data"]] == [created.json()["id"]]
