"""``pip install ./clients/python`` on its own: httpx and nothing of the server; then three
lines list every customer of an account."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

from altpay_client import Client
from tests.support.server import Server
from tests.support.tenants import ApiClient

PACKAGE = Path(__file__).resolve().parents[1]
SERVER_ONLY = {"fastapi", "sqlalchemy", "pydantic-settings", "pydantic", "altpay"}

THREE_LINES = """
from os import environ as env; from altpay_client import Client
client = Client(env["BASE"], env["CLIENT_ID"], env["CLIENT_SECRET"])
print(sorted(customer.id for customer in client.customers.list()))
"""


def test_installs_alone_and_lists_every_customer(
    tmp_path: Path, server: Server, credentials: ApiClient, client: Client
) -> None:
    made = {client.customers.create(name=f"C{n}", email=f"c{n}@example.com").id for n in range(3)}
    venv.create(tmp_path / "venv", with_pip=True)
    python = str(tmp_path / "venv" / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", str(PACKAGE)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True
    )
    installed = {line.split("==")[0].lower() for line in listed.stdout.splitlines()}
    assert {"altpay-client", "httpx"} <= installed
    assert not installed & SERVER_ONLY, installed
    typed = subprocess.run(
        [python, "-c", "import importlib.resources as r; print(r.files('altpay_client'))"],
        capture_output=True,
        text=True,
    )
    assert (Path(typed.stdout.strip()) / "py.typed").is_file()  # shipped, not only in the tree
    run = subprocess.run(
        [python, "-c", THREE_LINES],
        env={
            "BASE": server.base_url,
            "CLIENT_ID": credentials.client_id,
            "CLIENT_SECRET": credentials.client_secret,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == repr(sorted(made))
