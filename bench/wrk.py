"""One bounded wrk load on loopback, and what its Lua summary (``report.lua``) says of it."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench import BENCH_DIR

CONNECTIONS = 32
THREADS = 1


@dataclass
class Measured:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # answers other than 2xx/3xx, and socket errors
    timeouts: int  # requests not answered within wrk's --timeout (10 s)
    detail: dict[str, Any]


def run_wrk(
    url: str, script: str, args: Sequence[str], duration: int, *, connections: int = CONNECTIONS
) -> Measured:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH_DIR / script),
        url,
        "--",
        *args,
    ]
    env = {**os.environ, "BENCH_LUA_DIR": str(BENCH_DIR)}
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=duration + 120, check=False
    )
    line = next((line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {done.stdout[-500:]} {done.stderr[-500:]}")
    detail = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = detail["duration_us"] / 1e6
    errors = sum(detail[key] for key in ("connect", "read", "write", "status"))
    return Measured(
        requests=detail["requests"],
        rps=detail["requests"] / seconds if seconds else 0.0,
        p50_ms=detail["p50_us"] / 1000,
        p99_ms=detail["p99_us"] / 1000,
        errors=errors,
        timeouts=detail["timeout"],
        detail=detail,
    )
