"""The scenarios: what wrk sends for each, and the measured loads of one server.

Each scenario's load is bounded in time; ``bench_scenarios`` measures every scenario of the
run against one server, ``depth_sweep`` the list at several depths of the main account, and
``soak`` a long mixed load while the workers' memory is sampled.
"""

from __future__ import annotations

import argparse
import json
import statistics
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from altpay.cli.common import say
from bench.data import DEPTHS, FILTER_WORD
from bench.servers import MemorySampler, Server, cpu_seconds
from bench.wrk import Measured, run_wrk

SCENARIOS = (
    "ceiling",
    "floor",
    "get",
    "list",
    "deep",
    "filter",
    "create",
    "token",
    "mixed",
    "peer",
)


@dataclass(frozen=True)
class Profile:
    customers: int
    workers: tuple[int, ...]
    duration: int  # seconds of measured load per scenario
    warmup: int  # seconds of unmeasured load before it
    depth_duration: int  # seconds per point of the depth sweep
    soak: int  # seconds of mixed load while a worker's memory is sampled


@dataclass
class Run:
    """One benchmark run: its options, and everything it has measured so far."""

    args: argparse.Namespace
    profile: Profile
    workdir: Path
    signing_key: str
    results: list[dict[str, Any]] = field(default_factory=list)
    depth: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)
    loads: dict[str, dict[str, Any]] = field(default_factory=dict)
    peer_url: str | None = None
    profiles: list[Path] = field(default_factory=list)

    def emit(self, row: dict[str, Any]) -> None:
        self.results.append(row)
        print(json.dumps(row), flush=True)


@dataclass
class Target:
    """Everything a scenario needs to address the server under test."""

    url: str
    token: str
    basic: str
    ids_file: Path
    cursors: dict[float, str]
    peer_url: str | None


def scenario_call(name: str, target: Target) -> tuple[str, str, list[str]]:
    """(base URL, wrk script, its arguments) for one scenario."""
    auth = f"auth=Bearer {target.token}"
    ids = f"ids={target.ids_file}"
    page = "/customers?limit=100"
    deep = f"{page}&after={target.cursors[0.9]}"
    if name == "ceiling":
        return target.url, "static.lua", ["path=/_bench/ceiling"]
    if name == "floor":
        return target.url, "ids.lua", [ids, "prefix=/_bench/floor/"]
    if name == "get":
        return target.url, "ids.lua", [ids, "prefix=/customers/", auth]
    if name == "list":
        return target.url, "static.lua", [f"path={page}", auth]
    if name == "deep":
        return target.url, "static.lua", [f"path={deep}", auth]
    if name == "filter":
        company = urllib.parse.quote(FILTER_WORD.lower())
        return target.url, "static.lua", [f"path={page}&company_name={company}", auth]
    if name == "create":
        return target.url, "create.lua", [auth]
    if name == "token":
        return (
            target.url,
            "static.lua",
            [
                "method=POST",
                "path=/oauth/token",
                f"auth=Basic {target.basic}",
                "content_type=application/x-www-form-urlencoded",
                "body=grant_type=client_credentials",
            ],
        )
    if name in ("mixed", "soak"):
        return target.url, "mixed.lua", [ids, auth]
    if name == "peer":
        assert target.peer_url is not None
        return target.peer_url, "ids.lua", [ids, "prefix=/customers/", auth]
    raise ValueError(name)


def bench_scenarios(run: Run, backend: str, workers: int, server: Server, target: Target) -> None:
    measured: dict[str, Measured] = {}
    for name in run.args.scenarios:
        if name == "peer" and target.peer_url is None:
            continue
        url, script, arguments = scenario_call(name, target)
        if run.profile.warmup:
            run_wrk(url, script, arguments, run.profile.warmup)
        pids = server.worker_pids()
        cpu_before = cpu_seconds(pids)
        if name == "mixed":
            with MemorySampler(pids) as sampler:
                result = run_wrk(url, script, arguments, run.profile.duration)
            memory = {"peak_mb": round(sampler.peak(), 1)}
        else:
            result = run_wrk(url, script, arguments, run.profile.duration)
            memory = {}
        measured[name] = result
        # The server's CPU per request: steadier than rps on a shared machine.
        cpu_us = None
        if name != "peer" and result.requests:
            cpu_us = round((cpu_seconds(pids) - cpu_before) / result.requests * 1e6)
        if name == "get" and "floor" in measured:
            base = measured["floor"].rps
        else:
            base = measured["ceiling"].rps if "ceiling" in measured else 0.0
        run.emit(
            {
                "scenario": name,
                "backend": backend,
                "workers": workers,
                "rps": round(result.rps, 1),
                "p50_ms": round(result.p50_ms, 2),
                "p99_ms": round(result.p99_ms, 2),
                "ratio": round(result.rps / base, 3) if base else None,
                "errors": result.errors,
                "timeouts": result.timeouts,
                "cpu_us": cpu_us,
                **memory,
            }
        )


def depth_sweep(run: Run, backend: str, target: Target) -> None:
    """List latency (first page of 100) at several depths of the main account."""
    points = []
    for depth in DEPTHS:
        path = "/customers?limit=100" + (f"&after={target.cursors[depth]}" if depth else "")
        result = run_wrk(
            target.url,
            "static.lua",
            [f"path={path}", f"auth=Bearer {target.token}"],
            run.profile.depth_duration,
        )
        points.append((depth, result.p50_ms, result.p99_ms))
        if result.errors:
            say(f"[{backend}] depth {depth}: {result.errors} errors")
    run.depth[backend] = points
    say(f"[{backend}] depth sweep (depth, p50 ms, p99 ms): {points}")


def soak(run: Run, backend: str, workers: int, server: Server, target: Target) -> None:
    """Mixed load for the profile's soak time; a worker's memory, sampled every second."""
    url, script, arguments = scenario_call("soak", target)
    say(f"[{backend}] soak: mixed load for {run.profile.soak} s…")
    with MemorySampler(server.worker_pids()) as sampler:
        result = run_wrk(url, script, arguments, run.profile.soak)
    samples = sampler.samples
    # After warm-up: the samples of the second fifth of the soak; at the end: the last fifth.
    fifth = max(1, len(samples) // 5)
    warm = statistics.median(rss for _, rss in samples[fifth : 2 * fifth])
    end = statistics.median(rss for _, rss in samples[-fifth:])
    run.emit(
        {
            "scenario": "soak",
            "backend": backend,
            "workers": workers,
            "rps": round(result.rps, 1),
            "p50_ms": round(result.p50_ms, 2),
            "p99_ms": round(result.p99_ms, 2),
            "ratio": None,
            "errors": result.errors,
            "timeouts": result.timeouts,
            "seconds": run.profile.soak,
            "peak_mb": round(sampler.peak(), 1),
            "rss_warm_mb": round(warm, 1),
            "rss_end_mb": round(end, 1),
            "growth_pct": round((end - warm) / warm * 100, 1),
        }
    )
