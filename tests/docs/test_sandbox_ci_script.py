"""``docs/sandbox-ci.sh``, the README's CI job, run as it is against a real ``altpay serve``:
a tenant, the tests, the request log when they fail, the reset."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import Server, server_env
from tests.support.sqlite import sqlite_database

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "sandbox-ci.sh"
ADMIN_TOKEN = "ci-script-admin-token"
# Asks for a customer that does not exist: a failing test whose request the log must show.
FAILING_TEST = (
    'curl -fsS -H "Authorization: Bearer $ALTPAY_TOKEN" '
    '"$ALTPAY_URL/customers/cus_01jdxq5v6zgkd8s7w3n0xmbf2a"'
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("sandbox-ci")
    env = server_env(home, sqlite_database(home), ALTPAY_SANDBOX_ADMIN_TOKEN=ADMIN_TOKEN)
    with Server.start(env) as started:
        yield started


def run_script(server: Server, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env={
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "ALTPAY_URL": server.base_url,
            "ALTPAY_SANDBOX_ADMIN_TOKEN": ADMIN_TOKEN,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def account_of(output: str) -> str:
    (line,) = [line for line in output.splitlines() if line.startswith("tenant acct_")]
    return line.removeprefix("tenant ")


def test_the_job_passes_and_leaves_its_tenant_empty(server: Server) -> None:
    run = run_script(server)

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1] == "tenant reset"
    assert account_of(run.stdout)


def test_a_failing_job_prints_the_request_log_and_still_resets(server: Server) -> None:
    run = run_script(server, TEST_COMMAND=FAILING_TEST)

    assert run.returncode == 1, run.stdout + run.stderr
    log = run.stdout.split("the last requests of this tenant:")[1]
    assert "404 GET /customers/cus_01jdxq5v6zgkd8s7w3n0xmbf2a" in log
    assert "POST /oauth/token" in log
    assert run.stdout.splitlines()[-1] == "tenant reset"


def test_without_the_admin_token_the_job_gets_no_tenant(server: Server) -> None:
    run = run_script(server, ALTPAY_SANDBOX_ADMIN_TOKEN="wrong")

    assert run.returncode != 0
    assert "tenant acct_" not in run.stdout
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200
