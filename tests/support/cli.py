"""Runs the installed ``altpay`` command as a subprocess, as an operator would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALTPAY = str(Path(sys.executable).with_name("altpay"))


def altpay_env(data_dir: Path) -> dict[str, str]:
    """The machine's environment without any ALTPAY_* leaking in, on a private data dir."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ALTPAY_")}
    env["ALTPAY_DATA_DIR"] = str(data_dir)
    return env


@dataclass(frozen=True)
class Outcome:
    status: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass(frozen=True)
class Cli:
    """``altpay`` with ``env``: each call one process, which must not print a traceback."""

    env: dict[str, str]

    def __call__(self, *args: str, **extra_env: str) -> Outcome:
        completed = subprocess.run(
            [ALTPAY, *args],
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert "Traceback" not in completed.stderr, completed.stderr
        return Outcome(completed.returncode, completed.stdout, completed.stderr)
