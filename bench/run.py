"""altpay's benchmark: ``make bench`` (profile quick) or ``make bench PROFILE=full``.

For each backend (SQLite, then PostgreSQL) it loads a fresh database through a bulk path,
starts ``altpay serve`` as a real process (rate limit off, JSON logs as in production, the
``/_bench`` reference routes on), drives it with ``wrk`` on loopback for a bounded time per
scenario, and prints one JSON line per scenario, backend and worker count. It writes a
Markdown table, the raw lines and a plot of list latency against page depth into
``bench/results/``. ``--py-spy`` adds a sampling profile of the ``get`` and ``list`` paths.

See docs/performance.md for the method and the latest results.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
PRISM_DIR = BENCH_DIR / ".prism"  # gitignored: npm installs Prism here on first use
PRISM_PACKAGE = "@stoplight/prism-cli@5"
SPEC = REPO.parent / "shared" / "spec" / "openapi.json"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432"
CONNECTIONS = 32
THREADS = 1
FILTER_WORD = "Quokka"  # in 0.1% of the main account's company names
FILTER_SHARE = 1000
EXTRAS_SHARE = 10  # 1 customer in 10 has 3 users and 1-2 payment methods
SMALL_ACCOUNTS = 3
SMALL_ACCOUNT_CUSTOMERS = 1000
ID_SAMPLE = 20_000
DEPTHS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
BACKENDS = ("sqlite", "postgresql")
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


PROFILES = {
    "quick": Profile(100_000, (1,), duration=10, warmup=2, depth_duration=3, soak=45),
    "full": Profile(1_000_000, (1, 2), duration=20, warmup=3, depth_duration=5, soak=300),
}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- tools


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("Installing wrk (apt-get install -y wrk)…")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(install, env=env, check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed and apt-get could not install it.")
    return found


def ensure_prism() -> Path:
    prism = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if prism.exists():
        return prism
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed for the peer scenario (Prism); or pass --skip peer.")
    say(f"Installing Prism ({PRISM_PACKAGE}) into {PRISM_DIR.relative_to(REPO)}…")
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(PRISM_DIR),
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            PRISM_PACKAGE,
        ],
        check=True,
    )
    return prism


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def wait_http(url: str, timeout: float, expect: Callable[[int], bool] = lambda s: s < 500) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if expect(reply.status):
                    return
        except urllib.error.HTTPError as error:
            if expect(error.code):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.2)


# --------------------------------------------------------------------------- data

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]

_ADJECTIVES_TEXT = (
    "Acme Apex Atlas Azure Beacon Birch Blue Bold Bright Canyon Cedar Citrus Clear Cobalt "
    "Coral Crest Crown Delta Eagle Echo Ember Evergreen Falcon Fern Golden Granite Harbor "
    "Hazel Horizon Iron Ivory Jade Juniper Keystone Lake Laurel Liberty Lumen Maple "
    "Meridian Metro Mosaic Nimbus Noble North Oak Orbit Pacific Pine Pioneer Prairie "
    "Quartz Radiant Redwood River Sable Sierra Silver Solar Summit Sunset Terra Tidal "
    "Timber Union Vista Willow Zenith"
)
ADJECTIVES = _ADJECTIVES_TEXT.split()
_NOUNS_TEXT = (
    "Analytics Bakery Builders Capital Clinic Consulting Designs Dynamics Electric Energy "
    "Engineering Farms Foods Freight Goods Health Imaging Industries Labs Learning "
    "Logistics Machines Media Medical Metals Mills Motors Networks Outfitters Partners "
    "Pharma Plastics Printing Robotics Security Software Solutions Studios Supply Systems "
    "Textiles Tools Transport Travel Ventures Wellness Works"
)
NOUNS = _NOUNS_TEXT.split()
SUFFIXES = ("Inc", "LLC", "Ltd", "Co", "Corp", "Group", "Holdings", "LLP")
CITIES = (
    ("San Francisco", "CA", "941"),
    ("Los Angeles", "CA", "900"),
    ("New York", "NY", "100"),
    ("Austin", "TX", "787"),
    ("Seattle", "WA", "981"),
    ("Denver", "CO", "802"),
    ("Chicago", "IL", "606"),
    ("Boston", "MA", "021"),
    ("Miami", "FL", "331"),
    ("Portland", "OR", "972"),
)
_FIRST_NAMES_TEXT = "Ana Ben Chloe Diego Emma Farid Grace Hugo Iris Jonas Kira Liam Maya Noah"
FIRST_NAMES = _FIRST_NAMES_TEXT.split()
_LAST_NAMES_TEXT = "Lopez Smith Chen Patel Garcia Kim Novak Silva Brown Okafor Rossi Weber"
LAST_NAMES = _LAST_NAMES_TEXT.split()
BRANDS = ("visa", "mastercard", "amex", "discover")

CUSTOMER_COLUMNS = (
    "id",
    "account_id",
    "name",
    "name_folded",
    "legal_name",
    "email",
    "ein",
    "external_id",
    "street_address",
    "sub_premise",
    "city",
    "state",
    "postal_code",
    "country",
    "archived_at",
    "created_at",
    "updated_at",
)
USER_COLUMNS = (
    "id",
    "customer_id",
    "email",
    "email_folded",
    "first_name",
    "last_name",
    "job_title",
    "phone",
    "created_at",
    "updated_at",
)
METHOD_COLUMNS = (
    "id",
    "customer_id",
    "type",
    "brand",
    "last4",
    "exp_month",
    "exp_year",
    "is_default",
    "created_at",
    "updated_at",
)
ACCOUNT_COLUMNS = ("id", "name", "created_at", "updated_at")


def new_id(prefix: str, at: datetime, rng: random.Random) -> str:
    """A ULID (lower-case Crockford base32) for ``at``, as altpay's own ids are."""
    value = (int(at.timestamp() * 1000) << 80) | rng.getrandbits(80)
    chunks = []
    for _ in range(13):
        chunks.append(_PAIRS[value & 0x3FF])
        value >>= 10
    return f"{prefix}_{''.join(reversed(chunks))}"


@dataclass
class Batch:
    customers: list[tuple[Any, ...]] = field(default_factory=list)
    users: list[tuple[Any, ...]] = field(default_factory=list)
    methods: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Dataset:
    """What the load remembers about the main account for the scenarios."""

    ids: list[str] = field(default_factory=list)
    depth_positions: dict[float, tuple[datetime, str]] = field(default_factory=dict)
    customers: int = 0
    users: int = 0
    methods: int = 0


class Generator:
    """Deterministic customers for one account, oldest first, in batches."""

    def __init__(self, account_id: str, count: int, seed: int, *, main: bool) -> None:
        self.account_id = account_id
        self.count = count
        self.rng = random.Random(seed)
        self.main = main
        now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        self.span = timedelta(days=730)
        self.start = now - self.span
        self.step = self.span / max(count, 1)
        sample = min(count, ID_SAMPLE)
        self.sampled = set(self.rng.sample(range(count), sample)) if main else set()
        # Newest first, depth d is the item at position round(d * count) from the top.
        self.depth_index = {
            count - 1 - min(count - 1, round(depth * count)): depth for depth in DEPTHS
        }
        self.dataset = Dataset()

    def batches(self, size: int) -> Iterator[Batch]:
        batch = Batch()
        for number in range(self.count):
            self._customer(number, batch)
            if len(batch.customers) >= size:
                yield batch
                batch = Batch()
        if batch.customers:
            yield batch

    def _customer(self, number: int, batch: Batch) -> None:
        rng = self.rng
        created = self.start + self.step * number
        customer_id = new_id("cus", created, rng)
        adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
        name = f"{adjective} {noun} {rng.choice(SUFFIXES)}"
        if self.main and number % FILTER_SHARE == FILTER_SHARE // 2:
            name = f"{adjective} {FILTER_WORD} {noun}"
        city, state, zip_prefix = rng.choice(CITIES)
        slug = f"{adjective}-{noun}".lower()
        external_id = f"crm-{number}" if number % 3 == 0 else None
        batch.customers.append(
            (
                customer_id,
                self.account_id,
                name,
                name.casefold(),
                f"{name} Holdings",
                f"billing{number}@{slug}.example",
                f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}",
                external_id,
                f"{rng.randint(1, 9999)} Market St",
                f"Suite {rng.randint(100, 999)}" if number % 4 == 0 else "",
                city,
                state,
                f"{zip_prefix}{rng.randint(10, 99)}",
                "US",
                None,
                created,
                created,
            )
        )
        data = self.dataset
        data.customers += 1
        if number in self.sampled:
            data.ids.append(customer_id)
        if number in self.depth_index:
            data.depth_positions[self.depth_index[number]] = (created, customer_id)
        if number % EXTRAS_SHARE:
            return
        for index in range(3):
            at = created + timedelta(seconds=1 + index)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{first}.{last}{index}@{slug}.example".lower()
            batch.users.append(
                (
                    new_id("usr", at, rng),
                    customer_id,
                    email,
                    email.casefold(),
                    first,
                    last,
                    "Accounts payable",
                    "",
                    at,
                    at,
                )
            )
        for index in range(rng.randint(1, 2)):
            at = created + timedelta(seconds=5 + index)
            card = index == 0
            batch.methods.append(
                (
                    new_id("pm", at, rng),
                    customer_id,
                    "card" if card else "ach",
                    rng.choice(BRANDS) if card else "Chase",
                    f"{rng.randint(0, 9999):04d}",
                    f"{rng.randint(1, 12):02d}" if card else "",
                    str(rng.randint(2027, 2031)) if card else "",
                    index == 0,
                    at,
                    at,
                )
            )
        data.users += 3


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def load_sqlite(
    path: Path, generators: Sequence[Generator], accounts: list[tuple[Any, ...]]
) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA foreign_keys=OFF")
    convert = _sqlite_rows
    insert_customers = _insert_sql("customers", CUSTOMER_COLUMNS)
    insert_users = _insert_sql("customer_users", USER_COLUMNS)
    insert_methods = _insert_sql("payment_methods", METHOD_COLUMNS)
    connection.execute("BEGIN")
    connection.executemany(_insert_sql("accounts", ACCOUNT_COLUMNS), convert(accounts))
    connection.execute("COMMIT")
    with load_progress(generators) as advance:
        for generator in generators:
            for batch in generator.batches(10_000):
                connection.execute("BEGIN")
                connection.executemany(insert_customers, convert(batch.customers))
                connection.executemany(insert_users, convert(batch.users))
                connection.executemany(insert_methods, convert(batch.methods))
                connection.execute("COMMIT")
                generator.dataset.methods += len(batch.methods)
                advance(len(batch.customers))
    connection.close()


def _sqlite_rows(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(_sqlite_value(value) for value in row) for row in rows]


async def load_postgresql(
    url: str, generators: Sequence[Generator], accounts: list[tuple[Any, ...]]
) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.copy_records_to_table(
            "accounts", records=accounts, columns=list(ACCOUNT_COLUMNS)
        )
        with load_progress(generators) as advance:
            for generator in generators:
                for batch in generator.batches(20_000):
                    async with connection.transaction():
                        await connection.copy_records_to_table(
                            "customers", records=batch.customers, columns=list(CUSTOMER_COLUMNS)
                        )
                        await connection.copy_records_to_table(
                            "customer_users", records=batch.users, columns=list(USER_COLUMNS)
                        )
                        await connection.copy_records_to_table(
                            "payment_methods", records=batch.methods, columns=list(METHOD_COLUMNS)
                        )
                    generator.dataset.methods += len(batch.methods)
                    advance(len(batch.customers))
        say("VACUUM ANALYZE…")
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


@contextlib.contextmanager
def load_progress(generators: Sequence[Generator]) -> Iterator[Callable[[int], None]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    total = sum(generator.count for generator in generators)
    with Progress(
        TextColumn("[bold]Loading customers"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ) as progress:
        task = progress.add_task("load", total=total)
        yield lambda count: progress.advance(task, count)


# --------------------------------------------------------------------------- server


class Server:
    """``altpay serve`` as a real process, with its log in a file of the run's temp dir."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.workers = workers
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [
                str(BIN / "altpay"),
                "serve",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = f"http://{HOST}:{self.port}"

    def wait_ready(self) -> None:
        wait_http(f"{self.url}/readyz", 120, expect=lambda status: status == 200)
        deadline = time.monotonic() + 30
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        if self.workers == 1:
            return [self.process.pid]
        return _children(self.process.pid)

    def stop(self) -> dict[str, int]:
        """Stops the server; counts the log's lines by level (errors must be none)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()
        levels: Counter[str] = Counter()
        problems = []
        with self.log_path.open("rb") as log:
            for raw in log:
                try:
                    level = str(json.loads(raw).get("level", "?"))
                except ValueError:
                    level = "text"
                levels[level] += 1
                if level in ("ERROR", "CRITICAL", "text") and len(problems) < 5:
                    problems.append(raw.decode(errors="replace").strip()[:300])
        for problem in problems:
            say(f"  server log: {problem}")
        self.log_path.unlink()
        return dict(levels)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time the processes (all their threads) have used so far."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, MiB."""
    values = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line[:5]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


class MemorySampler:
    """Samples every worker's resident memory while a load runs."""

    def __init__(self, pids: Sequence[int], interval: float = 1.0) -> None:
        self.pids = list(pids)
        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (seconds, largest worker RSS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.monotonic()

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            largest = max(rss_mb(pid)[0] for pid in self.pids)
            self.samples.append((time.monotonic() - self._started, largest))

    def peak(self) -> float:
        return max(rss_mb(pid)[1] for pid in self.pids)


# --------------------------------------------------------------------------- load


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


# --------------------------------------------------------------------------- a backend


@dataclass
class Run:
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


def cli(env: dict[str, str], *arguments: str) -> Any:
    done = subprocess.run(
        [str(BIN / "altpay"), *arguments], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"altpay {' '.join(arguments)} failed: {done.stderr.strip()[-1000:]}")
    return json.loads(done.stdout) if "--json" in arguments else done.stdout


def prepare_backend(run: Run, backend: str) -> tuple[dict[str, str], Target, Callable[[], None]]:
    """A fresh, loaded database for ``backend``; its env, target and a cleanup."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALTPAY_", "PROMETHEUS_MULTIPROC_DIR"))
    }
    data_dir = run.workdir / backend
    data_dir.mkdir()
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    if backend == "sqlite":
        database_url = f"sqlite:///{data_dir / 'altpay.db'}"
    else:
        database = f"altpay_bench_{os.getpid()}"
        admin = f"{run.args.postgres_url}/postgres"
        asyncio.run(_postgres_admin(admin, f'DROP DATABASE IF EXISTS "{database}"'))
        asyncio.run(_postgres_admin(admin, f'CREATE DATABASE "{database}"'))
        database_url = f"{run.args.postgres_url}/{database}"

        def cleanup() -> None:
            asyncio.run(
                _postgres_admin(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            )

    env.update(
        ALTPAY_ENV="production",
        ALTPAY_DATABASE_URL=database_url,
        ALTPAY_DATA_DIR=str(data_dir),
        ALTPAY_SIGNING_KEY=run.signing_key,
        ALTPAY_RATE_LIMIT="0",
        ALTPAY_BENCHMARK_ROUTES="true",
        ALTPAY_LOG_LEVEL="info",
    )
    try:
        say(f"[{backend}] migrating a fresh database…")
        cli(env, "db", "upgrade")
        account = cli(env, "accounts", "create", "--name", "Bench main", "--json")
        client = cli(
            env,
            "clients",
            "create",
            "--account",
            account["id"],
            "--name",
            "bench",
            "--scopes",
            "customers:read customers:write",
            "--json",
        )
        data = load_data(run, backend, database_url, account["id"])
    except BaseException:
        cleanup()
        raise
    ids_file = data_dir / "ids.txt"
    ids_file.write_text("\n".join(data.ids) + "\n")
    cursors = deep_cursors(run.signing_key, account["id"], data)
    basic = _basic(client["client_id"], client["client_secret"])
    token = _token(env, client["client_id"], client["client_secret"])
    target = Target("", token, basic, ids_file, cursors, run.peer_url)
    return env, target, cleanup


async def _postgres_admin(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def load_data(run: Run, backend: str, database_url: str, main_account: str) -> Dataset:
    rng = random.Random(run.args.seed)
    now = datetime.now(UTC)
    accounts = []
    generators = [Generator(main_account, run.profile.customers, run.args.seed, main=True)]
    for number in range(SMALL_ACCOUNTS):
        account_id = new_id("acct", now, rng)
        accounts.append((account_id, f"Bench small {number + 1}", now, now))
        generators.append(
            Generator(account_id, SMALL_ACCOUNT_CUSTOMERS, run.args.seed + number + 1, main=False)
        )
    total = sum(generator.count for generator in generators)
    say(f"[{backend}] loading {total:,} customers ({run.profile.customers:,} in one account)…")
    started = time.monotonic()
    if backend == "sqlite":
        load_sqlite(Path(database_url.removeprefix("sqlite:///")), generators, accounts)
    else:
        asyncio.run(load_postgresql(database_url, generators, accounts))
    seconds = time.monotonic() - started
    data = generators[0].dataset
    users = sum(generator.dataset.users for generator in generators)
    methods = sum(generator.dataset.methods for generator in generators)
    run.loads[backend] = {
        "customers": total,
        "users": users,
        "payment_methods": methods,
        "seconds": round(seconds, 1),
    }
    say(
        f"[{backend}] loaded {total:,} customers, {users:,} users, {methods:,} payment methods "
        f"in {seconds:.1f} s"
    )
    return data


def deep_cursors(signing_key: str, account_id: str, data: Dataset) -> dict[float, str]:
    """Signed ``after`` cursors at each depth, made as altpay makes them."""
    from altpay.auth.tokens import derive_key
    from altpay.core.pagination import CursorCodec, Position

    codec = CursorCodec([derive_key(signing_key.encode(), "cursor")])
    list_key = f"{account_id}:customers"
    return {
        depth: codec.encode(Position(created_at, customer_id), list_key)
        for depth, (created_at, customer_id) in data.depth_positions.items()
    }


def _basic(client_id: str, secret: str) -> str:
    import base64

    return base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _token(env: dict[str, str], client_id: str, secret: str) -> str:
    # A short-lived server only to mint the bench token the way clients get one.
    server = Server(env, 1, Path(env["ALTPAY_DATA_DIR"]) / "token-server.log")
    try:
        server.wait_ready()
        request = urllib.request.Request(
            f"{server.url}/oauth/token",
            data=b"grant_type=client_credentials",
            headers={
                "Authorization": f"Basic {_basic(client_id, secret)}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            token: str = json.load(reply)["access_token"]
            return token
    finally:
        server.stop()


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


# --------------------------------------------------------------------------- the peer


@contextlib.contextmanager
def prism_server(enabled: bool) -> Iterator[str | None]:
    if not enabled:
        yield None
        return
    prism = ensure_prism()
    port = free_port()
    process = subprocess.Popen(
        [str(prism), "mock", "-h", HOST, "-p", str(port), str(SPEC)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_http(f"http://{HOST}:{port}/customers", 90, expect=lambda status: status != 0)
        yield f"http://{HOST}:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


# --------------------------------------------------------------------------- reports


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


def targets(run: Run) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    found: dict[tuple[str, str, int], dict[str, Any]] = {
        (row["scenario"], row["backend"], row["workers"]): row for row in run.results
    }

    def holds(ok: bool) -> str:
        return "yes" if ok else "**no**"

    for backend in run.args.backends:
        get = found.get(("get", backend, 1))
        if get and get["ratio"] is not None:
            rows.append(
                ("get ≥ 70% of floor", backend, f"{get['ratio']:.0%}", holds(get["ratio"] >= 0.7))
            )
        floor = found.get(("floor", backend, 1))
        if get and floor and get.get("cpu_us") and floor.get("cpu_us"):
            share = floor["cpu_us"] / get["cpu_us"]
            rows.append(
                (
                    "(same, by server CPU per request: floor / get)",
                    backend,
                    f"{share:.0%} ({floor['cpu_us']} / {get['cpu_us']} µs)",
                    holds(share >= 0.7),
                )
            )
        peer = found.get(("peer", backend, 1))
        if get and peer:
            times = get["rps"] / peer["rps"]
            rows.append(("get ≥ 2x peer", backend, f"{times:.1f}x", holds(times >= 2)))
        first, deep = found.get(("list", backend, 1)), found.get(("deep", backend, 1))
        if first and deep:
            times = deep["p50_ms"] / first["p50_ms"]
            rows.append(
                ("deep p50 ≤ 1.25x list p50", backend, f"{times:.2f}x", holds(times <= 1.25))
            )
        search = found.get(("filter", backend, 1))
        if first and search and backend == "postgresql":
            times = search["p50_ms"] / first["p50_ms"]
            note = f"{times:.2f}x at {run.profile.customers:,} rows"
            rows.append(("filter p50 < 3x list p50", backend, note, holds(times < 3)))
        for key in ("mixed", "soak"):
            for workers in run.profile.workers:
                row = found.get((key, backend, workers))
                if row and "peak_mb" in row:
                    rows.append(
                        (
                            f"worker peak memory < 200 MB ({key}, {workers}w)",
                            backend,
                            f"{row['peak_mb']:.0f} MB",
                            holds(row["peak_mb"] < 200),
                        )
                    )
        soaked = found.get(("soak", backend, run.profile.workers[0]))
        if soaked:
            rows.append(
                (
                    f"memory growth ≤ 10% over a {soaked['seconds']} s soak",
                    backend,
                    f"{soaked['growth_pct']:+.1f}% ({soaked['rss_warm_mb']:.0f} → "
                    f"{soaked['rss_end_mb']:.0f} MB)",
                    holds(soaked["growth_pct"] <= 10),
                )
            )
        errors = sum(row["errors"] for row in run.results if row["backend"] == backend)
        late = sum(row.get("timeouts", 0) for row in run.results if row["backend"] == backend)
        rows.append(("no request over 10 s (wrk timeouts)", backend, str(late), holds(late == 0)))
        rows.append(
            ("no errors (non-2xx) in any scenario", backend, str(errors), holds(errors == 0))
        )
    return rows


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


# --------------------------------------------------------------------------- main


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
