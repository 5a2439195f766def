"""``altpay serve`` as a real process on a free port, talked to over a socket: the README path."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.cli.conftest import ALTPAY, altpay_env

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(env: dict[str, str], port: int) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    log = Path(env["ALTPAY_DATA_DIR"]).parent / f"serve-{port}.out"
    with log.open("w") as stdout:
        process = subprocess.Popen(
            [ALTPAY, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_until_listening(process, port)
            yield process, log
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_listening(process: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "altpay serve exited early"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("altpay serve did not start listening")


def printed_credentials(log: Path) -> tuple[str, str]:
    text = log.read_text()
    client_id = re.search(r"client_id:\s+(cli_\w+)", text)
    secret = re.search(r"client_secret:\s+(sk_[\w-]+)", text)
    assert client_id, text
    assert secret, text
    assert f"curl -s -u '{client_id[1]}:{secret[1]}'" in text
    return client_id[1], secret[1]


def test_first_start_prints_working_credentials_once(tmp_path: Path) -> None:
    env = altpay_env(tmp_path / "data")
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    with serving(env, port) as (_, log):
        client_id, secret = printed_credentials(log)
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

    with serving(env, free_port()) as (_, second_log):
        assert "client_secret" not in second_log.read_text()


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
