"""``--py-spy``: where the worker's CPU goes under the ``get`` and ``list`` loads.

``py-spy record`` samples the worker for one scenario's duration; the raw stacks are
summarised by library and by function into ``bench/results/profile-<backend>-<path>.md``.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from altpay.cli.common import say
from bench import REPO, RESULTS
from bench.scenarios import Run, Target, scenario_call
from bench.servers import Server
from bench.wrk import run_wrk

BIN = Path(sys.executable).parent


def profile_paths(run: Run, backend: str, server: Server, target: Target) -> None:
    """py-spy samples the worker under the get and list loads: where the CPU goes."""
    py_spy = BIN / "py-spy"
    if not py_spy.exists():
        say("py-spy is not installed (the bench extra): no profile.")
        return
    pid = server.worker_pids()[0]
    for name in ("get", "list"):
        url, script, arguments = scenario_call(name, target)
        raw = RESULTS / f"profile-{backend}-{name}.txt"
        spy = subprocess.Popen(
            [
                str(py_spy),
                "record",
                "--pid",
                str(pid),
                "--rate",
                "250",
                "--duration",
                str(run.profile.duration),
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(raw),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        run_wrk(url, script, arguments, run.profile.duration)
        spy.wait(timeout=60)
        summary = summarize_profile(raw)
        out = RESULTS / f"profile-{backend}-{name}.md"
        out.write_text(summary)
        run.profiles.append(out)
        say(f"[{backend}] profile of {name}: {out.relative_to(REPO)}")


# Where a sampled frame's own time goes, by the file it runs in (first match wins).
CATEGORIES = (
    ("sqlalchemy", "sqlalchemy/"),
    ("asyncpg", "asyncpg/"),
    ("sqlite3", "sqlite3/"),
    ("pydantic", "pydantic/"),
    ("pydantic", "pydantic_core/"),
    ("fastapi", "fastapi/"),
    ("starlette", "starlette/"),
    ("uvicorn", "uvicorn/"),
    ("jwt", "jwt/"),
    ("itsdangerous", "itsdangerous/"),
    ("logging", "logging/"),
    ("pythonjsonlogger", "pythonjsonlogger/"),
    ("prometheus", "prometheus_client/"),
    ("json", "json/"),
    ("asyncio", "asyncio/"),
    ("altpay", "altpay/"),
)


def summarize_profile(raw: Path) -> str:
    """Self time by library and by function, and inclusive time of altpay's functions."""
    own: Counter[str] = Counter()
    by_library: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [frame for frame in stack.split(";") if frame]
        if not frames:
            continue
        total += count
        leaf = frames[-1]
        own[leaf] += count
        by_library[_category(leaf)] += count
        for frame in set(frames):
            if _category(frame) in ("altpay", "fastapi", "starlette"):
                inclusive[frame] += count
    if not total:
        return f"# {raw.name}\n\nNo samples.\n"
    lines = [f"# Profile {raw.stem} ({total} samples of the worker's CPU time)", ""]
    lines += ["## Own time by library", "", "| library | share |", "|---|---|"]
    lines += [f"| {name} | {count / total:.1%} |" for name, count in by_library.most_common()]
    lines += ["", "## Own time by function (top 30)", "", "| function | share |", "|---|---|"]
    lines += [f"| `{name}` | {count / total:.1%} |" for name, count in own.most_common(30)]
    lines += ["", "## Inclusive time, altpay / FastAPI / Starlette frames (top 40)", ""]
    lines += ["| function | share |", "|---|---|"]
    lines += [f"| `{name}` | {count / total:.1%} |" for name, count in inclusive.most_common(40)]
    return "\n".join(lines) + "\n"


def _category(frame: str) -> str:
    for name, marker in CATEGORIES:
        if f"({marker}" in frame or f"/{marker}" in frame:
            return name
    if "(<frozen" in frame or "/lib/python3" in frame:
        return "stdlib"
    return "other"
