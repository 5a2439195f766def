"""``altpay serve`` as a real process on a free port, talked to over a socket: the README path."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import httpx

from tests.support.cli import ALTPAY, altpay_env
from tests.support.server import Server, free_port, printed_credentials, printed_exports


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
        assert "CLIENT_SECRET" not in second.output()
        assert "altpay accounts list, then altpay clients create" in second.stderr()


def test_first_start_prints_the_export_line_of_the_walk_through(tmp_path: Path) -> None:
    with Server.start(altpay_env(tmp_path / "data")) as server:
        client_id, secret = printed_credentials(server)

        assert printed_exports(server) == (
            f"export BASE={server.base_url} CLIENT_ID={client_id} CLIENT_SECRET={secret}"
        )
        log_lines = [line for line in server.stderr().splitlines() if line.startswith("{")]

    # uvicorn's start-up lines carry a coloured copy of their message, kept out of the JSON.
    assert any("Uvicorn running" in line for line in log_lines), log_lines
    assert all("color_message" not in json.loads(line) for line in log_lines), log_lines
    assert all("\x1b" not in line for line in log_lines), log_lines


def test_a_busy_port_is_one_plain_line_and_bad_usage(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = subprocess.run(
            [ALTPAY, "serve", "--port", str(port)],
            env=altpay_env(tmp_path / "data"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert refused.returncode == 2
    assert refused.stdout == ""
    [line] = refused.stderr.splitlines()
    assert line.startswith(f"error: cannot listen on 127.0.0.1:{port}: address already in use")
    assert "--port" in line
    # Nothing was made that a later start would not show again.
    assert not (tmp_path / "data" / "altpay.db").exists()


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
