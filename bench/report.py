"""The run's report: the Markdown table and its targets, the raw lines, the depth plot."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from altpay.cli.common import say
from bench import RESULTS
from bench.data import DEPTHS, SMALL_ACCOUNTS
from bench.scenarios import Run
from bench.wrk import CONNECTIONS, THREADS


def write_reports(run: Run, started: datetime) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    name = run.args.profile
    (RESULTS / f"{name}-{stamp}.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in run.results)
    )
    table = markdown(run, started)
    report = RESULTS / f"{name}-{stamp}.md"
    report.write_text(table)
    (RESULTS / f"{name}-latest.md").write_text(table)
    plot_depth(run, RESULTS / f"{name}-depth.png")
    return report


def markdown(run: Run, started: datetime) -> str:
    profile = run.profile
    lines = [
        f"# altpay benchmark: profile {run.args.profile}, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"{profile.customers:,} customers in the main account (+{SMALL_ACCOUNTS} small accounts);"
        f" wrk -t{THREADS} -c{CONNECTIONS}, {profile.duration} s per scenario after "
        f"{profile.warmup} s of warm-up; loopback; {os.cpu_count()} CPUs shared by wrk, the "
        "server and PostgreSQL. `ratio`: rps over the same run's `floor` (for `get`) or "
        "`ceiling` (the others).",
        "",
        "| scenario | backend | workers | rps | p50 ms | p99 ms | ratio | errors | timeouts "
        "| server CPU µs/req |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in run.results:
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}"
        cpu = "" if row.get("cpu_us") is None else str(row["cpu_us"])
        lines.append(
            f"| {row['scenario']} | {row['backend']} | {row['workers']} | {row['rps']:,.0f} | "
            f"{row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {ratio} | {row['errors']} | "
            f"{row.get('timeouts', 0)} | {cpu} |"
        )
    lines += ["", "## Targets", "", "| target | backend | measured | holds |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in targets(run)]
    if run.depth:
        lines += ["", "## List latency against page depth (workers 1)", ""]
        lines += ["| depth | " + " | ".join(f"{b} p50 / p99 ms" for b in run.depth) + " |"]
        lines += ["|---|" + "---|" * len(run.depth)]
        for index, depth in enumerate(DEPTHS):
            cells = [
                f"{points[index][1]:.2f} / {points[index][2]:.2f}"
                for points in run.depth.values()
                if index < len(points)
            ]
            lines.append(f"| {depth:.0%} | " + " | ".join(cells) + " |")
    if run.loads:
        lines += ["", "## Data loaded", "", "| backend | customers | users | payment methods "]
        lines[-1] += "| seconds |"
        lines += ["|---|---|---|---|---|"]
        for backend, load in run.loads.items():
            lines.append(
                f"| {backend} | {load['customers']:,} | {load['users']:,} | "
                f"{load['payment_methods']:,} | {load['seconds']} |"
            )
    return "\n".join(lines) + "\n"


Found = dict[tuple[str, str, int], dict[str, Any]]
TargetRow = tuple[str, str, str, str]

# get's rps over the same process's ceiling route, at least (issue 11).
GET_OF_CEILING = {"sqlite": 0.55, "postgresql": 0.45}


def holds(ok: bool) -> str:
    return "yes" if ok else "**no**"


def targets(run: Run) -> list[TargetRow]:
    found: Found = {(row["scenario"], row["backend"], row["workers"]): row for row in run.results}
    rows: list[TargetRow] = []
    for backend in run.args.backends:
        rows += _read_targets(found, backend)
        rows += _list_targets(run, found, backend)
        rows += _memory_targets(run, found, backend)
        rows += _error_targets(run, backend)
    return rows


def _read_targets(found: Found, backend: str) -> list[TargetRow]:
    rows: list[TargetRow] = []
    get, floor = found.get(("get", backend, 1)), found.get(("floor", backend, 1))
    ceiling, peer = found.get(("ceiling", backend, 1)), found.get(("peer", backend, 1))
    if not get:
        return rows
    if get["ratio"] is not None:
        rows.append(
            ("get ≥ 70% of floor", backend, f"{get['ratio']:.0%}", holds(get["ratio"] >= 0.7))
        )
    if floor and get.get("cpu_us") and floor.get("cpu_us"):
        share = floor["cpu_us"] / get["cpu_us"]
        measured = f"{share:.0%} ({floor['cpu_us']} / {get['cpu_us']} µs)"
        rows.append(
            (
                "(same, by server CPU per request: floor / get)",
                backend,
                measured,
                holds(share >= 0.7),
            )
        )
    if ceiling:
        share, wanted = get["rps"] / ceiling["rps"], GET_OF_CEILING[backend]
        rows.append(
            (f"get ≥ {wanted:.0%} of ceiling", backend, f"{share:.0%}", holds(share >= wanted))
        )
    if peer:
        times = get["rps"] / peer["rps"]
        rows.append(("get ≥ 2x peer", backend, f"{times:.1f}x", holds(times >= 2)))
    return rows


def _list_targets(run: Run, found: Found, backend: str) -> list[TargetRow]:
    rows: list[TargetRow] = []
    first, get = found.get(("list", backend, 1)), found.get(("get", backend, 1))
    if not first:
        return rows
    tail = first["p99_ms"] / first["p50_ms"]
    rows.append(("list p99 ≤ 4x its p50", backend, f"{tail:.1f}x", holds(tail <= 4)))
    if get:
        share = first["rps"] / get["rps"]
        rows.append(("list rps ≥ 0.3 of get's", backend, f"{share:.3f}", holds(share >= 0.3)))
    pages = [found.get((name, backend, 1)) for name in ("list", "deep", "filter")]
    if backend == "postgresql" and all(pages):
        medians = [page["p50_ms"] for page in pages if page]
        spread = max(medians) / min(medians)
        measured = " / ".join(f"{median:.1f}" for median in medians) + f" ms ({spread:.2f}x)"
        rows.append(
            ("list, deep, filter p50 within 1.25x", backend, measured, holds(spread <= 1.25))
        )
    search = found.get(("filter", backend, 1))
    if backend == "sqlite" and search:
        times = search["p50_ms"] / first["p50_ms"]
        measured = f"{times:.2f}x at {run.profile.customers:,} rows"
        rows.append(("filter p50 ≤ 3x list p50", backend, measured, holds(times <= 3)))
    return rows


def _memory_targets(run: Run, found: Found, backend: str) -> list[TargetRow]:
    rows: list[TargetRow] = []
    for key in ("mixed", "soak"):
        for workers in run.profile.workers:
            row = found.get((key, backend, workers))
            if row and "peak_mb" in row:
                name = f"worker peak memory < 200 MB ({key}, {workers}w)"
                rows.append(
                    (name, backend, f"{row['peak_mb']:.0f} MB", holds(row["peak_mb"] < 200))
                )
    soaked = found.get(("soak", backend, run.profile.workers[0]))
    if soaked:
        name = f"memory growth ≤ 10% over a {soaked['seconds']} s soak"
        measured = (
            f"{soaked['growth_pct']:+.1f}% ({soaked['rss_warm_mb']:.0f} → "
            f"{soaked['rss_end_mb']:.0f} MB)"
        )
        rows.append((name, backend, measured, holds(soaked["growth_pct"] <= 10)))
    return rows


def _error_targets(run: Run, backend: str) -> list[TargetRow]:
    measured = [row for row in run.results if row["backend"] == backend]
    errors = sum(row["errors"] for row in measured)
    late = sum(row.get("timeouts", 0) for row in measured)
    return [
        ("no request over 10 s (wrk timeouts)", backend, str(late), holds(late == 0)),
        ("no errors (non-2xx) in any scenario", backend, str(errors), holds(errors == 0)),
    ]


def plot_depth(run: Run, path: Path) -> None:
    if not run.depth:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        say("matplotlib is not installed (the bench extra): no plot.")
        return
    figure, axis = plt.subplots(figsize=(7, 4.2), dpi=120)
    for backend, points in run.depth.items():
        depths = [depth * 100 for depth, _, _ in points]
        line = axis.plot(depths, [p50 for _, p50, _ in points], marker="o", label=f"{backend} p50")
        axis.plot(
            depths,
            [p99 for _, _, p99 in points],
            marker="x",
            linestyle="--",
            color=line[0].get_color(),
            label=f"{backend} p99",
        )
    axis.set_xlabel("page depth (% of the account's customers)")
    axis.set_ylabel("latency, ms")
    axis.set_title(
        f"GET /customers?limit=100 at a cursor, {run.profile.customers:,} customers, "
        f"wrk -c{CONNECTIONS}"
    )
    axis.set_ylim(bottom=0)
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
