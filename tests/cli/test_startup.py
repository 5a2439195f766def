"""The CLI starts without the web stack: each command imports what it runs."""

from __future__ import annotations

import json
import subprocess
import sys

# What a command that serves nothing must not pay for at start-up (about 0.4 s together).
HEAVY = ("fastapi", "starlette", "uvicorn", "alembic", "faker", "rich", "altpay.app")


def test_the_cli_starts_without_importing_the_web_stack() -> None:
    probe = (
        "import json, sys; import altpay.cli.main; "
        f"print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=30, check=True
    )

    assert json.loads(result.stdout) == [], result.stdout
