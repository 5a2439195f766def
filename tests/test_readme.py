"""The README's walk-through, pasted as it is into bash against a fresh ``altpay serve``,
and its webhook receiver, run as it is against the deliveries of that fresh sandbox.

The block under the README's ``walk-through`` marker runs verbatim, with only its ``export
BASE=…`` line replaced by the one the server's first start printed, on the sandbox's own
rate limit (5 requests a second): a README edit that breaks it fails here.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.cli import altpay_env
from tests.support.server import (
    Server,
    bearer,
    free_port,
    printed_credentials,
    printed_exports,
)
from tests.support.tenants import ApiClient

README = Path(__file__).parents[1] / "README.md"
MARKER = "<!-- walk-through:"
RECEIVER_MARKER = "<!-- receiver:"
EXPORT_LINE = re.compile(r"^export BASE=.*$", re.MULTILINE)
STATUS_LINE = re.compile(r"^HTTP/[0-9.]+ ([0-9]{3})", re.MULTILINE)

# Create; first page; next page; filtered; patch; archive; with archived; restore;
# a user; the users; the payment methods; a card; a bank account; the default; the bank
# account; the card deleted.
EXPECTED_STATUSES = [201, 200, 200, 200, 200, 200, 200, 200, 201, 200, 200, 201, 201, 200, 200, 200]


def block_after(marker: str, language: str) -> str:
    """The first ``language`` block after ``marker`` in the README, verbatim."""
    text = README.read_text()
    after_marker = text[text.index(marker) :]
    block = re.search(rf"^```{language}\n(.*?)^```$", after_marker, re.MULTILINE | re.DOTALL)
    assert block, f"no ```{language} block after {marker}"
    return block[1]


def walk_through() -> str:
    return block_after(MARKER, "sh")


def run_pasted(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_walk_through_runs_as_pasted_twice_with_the_printed_credentials(
    tmp_path: Path,
) -> None:
    block = walk_through()
    assert len(EXPORT_LINE.findall(block)) == 1, block
    # The sandbox as a newcomer gets it: first start, default settings, the vendor's rate.
    with Server.start(altpay_env(tmp_path / "data")) as server:
        script = EXPORT_LINE.sub(lambda _: printed_exports(server), block)
        runs = [run_pasted(script) for _ in range(2)]  # pasting it again works too
        wrong_secret = run_pasted(script.replace("CLIENT_SECRET=sk_", "CLIENT_SECRET=sk_x"))

    # A wrong secret stops at the token line, saying why (not KeyError, then 401 after 401).
    assert wrong_secret.returncode != 0
    assert '"error": "invalid_client"' in wrong_secret.stderr, wrong_secret.stderr
    assert "no access_token in that reply" in wrong_secret.stderr
    assert "Traceback" not in wrong_secret.stderr
    assert STATUS_LINE.findall(wrong_secret.stderr) == []

    for number, run in enumerate(runs, start=1):
        assert run.returncode == 0, (number, run.stderr)
        assert STATUS_LINE.findall(run.stderr) == [str(s) for s in EXPECTED_STATUSES], run.stderr
        assert re.search(r"^location: .*/customers/cus_\w+\r?$", run.stderr, re.M | re.I)
    # The page after the first: empty on the first run (one customer), on the second run
    # the first run's customer, so the captured cursor was the real one.
    next_pages = [json.loads(run.stdout.splitlines()[0])["data"] for run in runs]
    assert next_pages[0] == []
    assert [customer["legal_name"] for customer in next_pages[1]] == ["Acme Corporation"]


def test_the_readme_receiver_verifies_what_a_fresh_sandbox_delivers(tmp_path: Path) -> None:
    """A first ``altpay serve`` on its defaults (what ``make serve`` runs) delivers with no
    second command; the README's receiver accepts the delivery and refuses a forgery."""
    receiver_file = tmp_path / "receiver.py"
    receiver_file.write_text(block_after(RECEIVER_MARKER, "python"))
    port = free_port()
    with Server.start(altpay_env(tmp_path / "data")) as server:
        headers = bearer(server, ApiClient("", *printed_credentials(server)))
        subscribed = httpx.post(
            f"{server.base_url}/webhooks",
            json={"endpoint_url": f"http://127.0.0.1:{port}/hooks", "topic": "customer_created"},
            headers=headers,
        ).json()
        env = {**os.environ, "WEBHOOK_SECRET": subscribed["secret_key"], "PORT": str(port)}
        with subprocess.Popen(
            [sys.executable, str(receiver_file)], env=env, stdout=subprocess.PIPE, text=True
        ) as receiver:
            try:
                _wait_for_port(port)
                customer = httpx.post(
                    f"{server.base_url}/customers", json=README_CUSTOMER, headers=headers
                ).json()
                printed = receiver.stdout.readline() if receiver.stdout else ""
                forged = httpx.post(
                    f"http://127.0.0.1:{port}/hooks",
                    content=b"{}",
                    headers={
                        "webhook-id": "evt_x",
                        "webhook-timestamp": "1",
                        "webhook-signature": "v1,AAAA",
                    },
                )
            finally:
                receiver.terminate()

    event_id, topic, customer_id = printed.split()
    assert event_id.startswith("evt_")
    assert (topic, customer_id) == ("customer_created", customer["id"])
    assert forged.status_code == 400


README_CUSTOMER = {
    "name": "Receiver Corp",
    "email": "billing@receiver.example",
    "street_address": "1 Market St",
    "city": "San Francisco",
    "state": "CA",
    "postal_code": "94105",
    "country": "USA",
}


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"the README receiver did not listen on {port}")
