"""The README's "From Python" block, taken verbatim, runs against a fresh ``altpay serve``
with the sandbox credentials its first start prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.server import Server, printed_credentials, server_env

README = Path(__file__).resolve().parents[3] / "README.md"


def python_walkthrough() -> str:
    text = README.read_text()
    section = text[text.index("\n### From Python\n") :]
    block = re.search(r"^```python\n(.*?)^```$", section, re.DOTALL | re.MULTILINE)
    assert block, "no ```python block after the From Python heading"
    return block[1]


def test_the_readme_python_walkthrough_runs(tmp_path: Path) -> None:
    env = server_env(tmp_path, "")
    del env["ALTPAY_DATABASE_URL"]  # the embedded default: a first start makes the sandbox
    with Server.start(env) as server:
        client_id, client_secret = printed_credentials(server)
        done = subprocess.run(
            [sys.executable, "-c", python_walkthrough()],
            env={
                **os.environ,
                "BASE": server.base_url,
                "CLIENT_ID": client_id,
                "CLIENT_SECRET": client_secret,
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    customer, active, users, methods, missing = done.stdout.splitlines()
    assert re.fullmatch(r"cus_\w+ Acme Corp", customer), done.stdout
    assert (active, users, methods) == ("0 active", "['ana@acme.example']", "[]")
    assert re.fullmatch(r"404 not_found \S+", missing), done.stdout
