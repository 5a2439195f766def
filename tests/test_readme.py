"""The README's walk-through, pasted as it is into bash against a fresh ``altpay serve``.

The block under the README's ``walk-through`` marker runs verbatim, with only its ``export
BASE=…`` line replaced by the one the server's first start printed, on the sandbox's own
rate limit (5 requests a second): a README edit that breaks it fails here.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.support.cli import altpay_env
from tests.support.server import Server, printed_exports

README = Path(__file__).parents[1] / "README.md"
MARKER = "<!-- walk-through:"
EXPORT_LINE = re.compile(r"^export BASE=.*$", re.MULTILINE)
STATUS_LINE = re.compile(r"^HTTP/[0-9.]+ ([0-9]{3})", re.MULTILINE)

# Create; first page; next page; filtered; patch; archive; with archived; restore;
# a user; the users; the payment methods; a card; a bank account; the default; the bank
# account; the card deleted.
EXPECTED_STATUSES = [201, 200, 200, 200, 200, 200, 200, 200, 201, 200, 200, 201, 201, 200, 200, 200]


def walk_through() -> str:
    """The first ``sh`` block after the marker, verbatim."""
    text = README.read_text()
    after_marker = text[text.index(MARKER) :]
    block = re.search(r"^```sh\n(.*?)^```$", after_marker, re.MULTILINE | re.DOTALL)
    assert block, "no ```sh block after the walk-through marker"
    return block[1]


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
