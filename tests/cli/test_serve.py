"""``altpay serve`` as a real process on a free port, talked to over a socket: the README path."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from tests.support.cli import ALTPAY, altpay_env
from tests.support.server import Server, free_port, printed_credentials


def test_first_start_prints_working_credentials_once(tmp_path: Path) -> None:
    env = altpay_env(tmp_path / "data")

    with Server.start(env) as server:
        base = server.base_url
        client_id, secret = printed_credentials(server)
        token = httpx.post(
            f"{base}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
        )
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        created = httpx.post(
            f"{base}/customers",
            json={"name": "Acme", "email": "billing@acme.example"},
            headers=headers,
        )
        listed = httpx.get(f"{base}/customers", headers=headers)

    assert created.status_code == 201, created.text
    assert [customer["id"] for customer in listed.json()["data"]] == [created.json()["id"]]

    with Server.start(env) as second:
        assert "client_secret" not in second.output()


def test_production_refuses_to_start_without_its_settings(tmp_path: Path) -> None:
    env = {**altpay_env(tmp_path / "data"), "ALTPAY_ENV": "production"}

    refused = subprocess.run(
        [ALTPAY, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert refused.returncode == 2
    assert "ALTPAY_DATABASE_URL" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "data" / "altpay.db").exists()
