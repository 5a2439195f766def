"""altpay's benchmark: ``make bench`` (profile quick) or ``make bench PROFILE=full``.

For each backend (SQLite, then PostgreSQL) it loads a fresh database through a bulk path,
starts the API as ``altpay serve`` runs it as a real process (rate limit off, JSON logs as in
production, the ``/_bench`` reference routes of ``bench.reference`` in front), drives it with
``wrk`` on loopback for a bounded time per scenario, and prints one JSON line per scenario,
backend and worker count. It writes a Markdown table, the raw lines and a plot of list
latency against page depth into ``bench/results/``. ``--py-spy`` adds a sampling profile of
the ``get`` and ``list`` paths.

``python -m bench.run --help``. See docs/performance.md for the method and the latest results.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from altpay.cli.common import say
from bench import REPO, RESULTS
from bench.backend import prepare_backend
from bench.data import BACKENDS, DEFAULT_POSTGRES
from bench.profiling import profile_paths
from bench.report import write_reports
from bench.scenarios import SCENARIOS, Profile, Run, bench_scenarios, depth_sweep, soak
from bench.servers import Server, ensure_wrk, prism_server

PROFILES = {
    "quick": Profile(100_000, (1,), duration=10, warmup=2, depth_duration=3, soak=45),
    "full": Profile(1_000_000, (1, 2), duration=20, warmup=3, depth_duration=5, soak=300),
}


def bench_backend(run: Run, backend: str) -> None:
    env, target, cleanup = prepare_backend(run, backend)
    try:
        for workers in run.profile.workers:
            server = Server(env, workers, run.workdir / f"{backend}-{workers}.log")
            try:
                server.wait_ready()
                target.url = server.url
                bench_scenarios(run, backend, workers, server, target)
                if workers == run.profile.workers[0]:
                    if {"list", "deep"} & set(run.args.scenarios):
                        depth_sweep(run, backend, target)
                    if run.args.py_spy:
                        profile_paths(run, backend, server, target)
                    if run.profile.soak and "mixed" in run.args.scenarios:
                        soak(run, backend, workers, server, target)
            finally:
                levels = server.stop()
                say(f"[{backend}/{workers}w] server log lines by level: {levels}")
    finally:
        cleanup()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="sqlite,postgresql")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="a subset, in order")
    parser.add_argument("--skip", default="", help="scenarios to leave out, e.g. peer")
    parser.add_argument("--customers", type=int, help="override the profile's customer count")
    parser.add_argument("--duration", type=int, help="override the seconds per scenario")
    parser.add_argument("--soak", type=int, help="override the soak seconds (0: none)")
    parser.add_argument("--workers", help="override the worker counts, e.g. 1,2")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--unanalysed",
        action="store_true",
        help="PostgreSQL: no VACUUM ANALYZE after the load, autovacuum off on the tables: the "
        "planner without statistics, as a table filled through the API is before its first "
        "ANALYZE",
    )
    parser.add_argument("--py-spy", action="store_true", help="profile the get and list paths")
    args = parser.parse_args(argv)
    args.backends = [name for name in args.backends.split(",") if name]
    skip = set(args.skip.split(","))
    args.scenarios = [name for name in args.scenarios.split(",") if name and name not in skip]
    unknown = set(args.backends) - set(BACKENDS) | set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    for required in ("ceiling", "floor"):
        if required not in args.scenarios:
            args.scenarios.insert(0 if required == "ceiling" else 1, required)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    profile = PROFILES[args.profile]
    overrides: dict[str, Any] = {}
    if args.customers:
        overrides["customers"] = args.customers
    if args.duration:
        overrides["duration"] = args.duration
    if args.soak is not None:
        overrides["soak"] = args.soak
    if args.workers:
        overrides["workers"] = tuple(int(count) for count in args.workers.split(","))
    profile = Profile(**{**profile.__dict__, **overrides})
    ensure_wrk()
    RESULTS.mkdir(exist_ok=True)
    started = datetime.now(UTC)
    workdir = Path(tempfile.mkdtemp(prefix="altpay-bench-"))
    run = Run(args, profile, workdir, signing_key=secrets.token_urlsafe(48))
    say(
        f"altpay bench, profile {args.profile}: {profile.customers:,} customers, workers "
        f"{profile.workers}, {profile.duration} s per scenario, backends {args.backends}"
    )
    try:
        with prism_server("peer" in args.scenarios) as peer_url:
            run.peer_url = peer_url
            for backend in args.backends:
                bench_backend(run, backend)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if run.results:
            report = write_reports(run, started)
            print(report.read_text(), file=sys.stderr)
            say(f"Results: {report.relative_to(REPO)} and bench/results/{args.profile}-depth.png")
    elapsed = datetime.now(UTC) - started
    say(f"Done in {elapsed.total_seconds() / 60:.1f} min.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
