"""Races the database settles: real concurrent requests against a real ``altpay serve``.

One server process per backend, on a free port, over a database of its own; the account and
client come from the CLI, the token from ``/oauth/token``. Then many requests (or CLI
processes) at once try to do what only one of them may: the database's unique constraints
and row locks must let exactly one win, the others must get the documented 422 — never a
500, never two winners. On SQLite, writers must queue for the lock ("database is locked" is
a 500 and fails these tests).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import httpx
import pytest

from tests.support import postgres
from tests.support.cli import ALTPAY, Cli, altpay_env
from tests.support.errors import assert_http_error
from tests.support.server import Server

BACKENDS = ("sqlite", "postgresql")
SIGNING_KEY = "race-signing-key-that-is-long-enough-0123456789"
RACERS = 20
CLI_RACERS = 8
# The longest a writer waits at the gate: well under the busy and statement timeouts (30 s).
GATE_SECONDS = 15.0
STARTUP_SECONDS = 120.0
TIMEOUT = httpx.Timeout(120.0)


@dataclass(frozen=True)
class Arena:
    """The server the racers meet at (on ``backend``), and the token they all send."""

    backend: str
    server: Arena
    headers: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def env(self) -> dict[str, str]:
        return self.server.env

    def get(self, path: str, **params: Any) -> httpx.Response:
        return httpx.get(self.base_url + path, params=params, headers=self.headers, timeout=TIMEOUT)

    def create_customer(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "Race Co", "email": "billing@race.example", **fields}
        reply = httpx.post(
            f"{self.base_url}/customers", json=body, headers=self.headers, timeout=TIMEOUT
        )
        assert reply.status_code == 201, reply.text
        customer: dict[str, Any] = reply.json()
        return customer

    def assert_healthy_log(self) -> None:
        text = self.server.output()
        assert "database is locked" not in text, text
        assert "Traceback" not in text, text


def _cli_ok(cli: Cli, *args: str) -> Any:
    outcome = cli(*args)
    assert outcome.status == 0, outcome.stderr
    return outcome.json() if "--json" in args else outcome.stdout


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Arena]:
    backend: str = request.param
    home = tmp_path_factory.mktemp(f"races-{backend}")
    if backend == "postgresql":
        postgres.require_server()
        url = postgres.create_database("altpay_races")
    else:
        url = f"sqlite:///{home / 'race.db'}"
    env = {
        **altpay_env(home / "data"),
        "ALTPAY_DATABASE_URL": url,
        "ALTPAY_SIGNING_KEY": SIGNING_KEY,
        "ALTPAY_RATE_LIMIT": "0",
    }
    cli = Cli(env)
    try:
        if backend == "postgresql":
            # An operator migrates PostgreSQL explicitly (serve would too); SQLite commands
            # bring their file up to date themselves.
            _cli_ok(cli, "db", "upgrade")
        account = _cli_ok(cli, "accounts", "create", "--name", "Race", "--json")
        client = _cli_ok(
            cli, "clients", "create", "--account", account["id"], "--name", "racer", "--json"
        )
        with Server.start(env) as started:
            token = httpx.post(
                f"{started.base_url}/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(client["client_id"], client["client_secret"]),
                timeout=TIMEOUT,
            )
            assert token.status_code == 200, token.text
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            yield Arena(backend, started, headers)
    finally:
        if backend == "postgresql":
            postgres.drop_database(url)


async def _post_all(server: Arena, path: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """Sends every body at once, each on its own connection."""
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=0)
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=server.headers, limits=limits, timeout=TIMEOUT
    ) as client:
        return list(await asyncio.gather(*(client.post(path, json=body) for body in bodies)))


def _statuses(replies: list[httpx.Response]) -> Counter[int]:
    return Counter(reply.status_code for reply in replies)


def _assert_one_winner(replies: list[httpx.Response], field: str) -> httpx.Response:
    """Exactly one 201; every other reply is the documented 422 naming ``field``."""
    statuses = _statuses(replies)
    assert statuses == Counter({201: 1, 422: len(replies) - 1}), [
        (reply.status_code, reply.text) for reply in replies
    ]
    for reply in replies:
        if reply.status_code == 422:
            assert_http_error(reply, 422, "validation_error", fields=[field])
    return next(reply for reply in replies if reply.status_code == 201)


def test_one_customer_per_external_id(server: Arena) -> None:
    external_id = f"erp-{uuid.uuid4().hex}"
    bodies = [
        {
            "name": f"Racer {number}",
            "email": f"racer{number}@race.example",
            "external_id": external_id,
        }
        for number in range(RACERS)
    ]

    replies = asyncio.run(_post_all(server, "/customers", bodies))

    winner = _assert_one_winner(replies, "external_id").json()
    assert winner["external_id"] == external_id
    listed = server.get("/customers", limit=100, include_archived="true")
    assert listed.status_code == 200, listed.text
    holders = [c["id"] for c in listed.json()["data"] if c["external_id"] == external_id]
    assert holders == [winner["id"]]
    server.assert_healthy_log()


def _letter_cases(address: str, count: int) -> list[str]:
    """``count`` spellings of ``address`` that differ only in the case of their letters."""
    local, domain = address.split("@")
    letters = [index for index, char in enumerate(local) if char.isalpha()]
    assert 2 ** len(letters) >= count
    spellings = []
    for number in range(count):
        chars = list(local)
        for bit, index in enumerate(letters):
            if number >> bit & 1:
                chars[index] = chars[index].upper()
        spellings.append("".join(chars) + "@" + (domain.upper() if number % 2 else domain))
    assert len(set(spellings)) == count
    return spellings


def test_one_user_per_email_whatever_its_case(server: Arena) -> None:
    customer = server.create_customer()
    path = f"/customers/{customer['id']}/users"
    emails = _letter_cases("jane.racer@race.example", RACERS)
    bodies = [{"email": email, "first_name": "Jane", "last_name": "Racer"} for email in emails]

    replies = asyncio.run(_post_all(server, path, bodies))

    winner = _assert_one_winner(replies, "email").json()
    listed = server.get(path, limit=100)
    assert listed.status_code == 200, listed.text
    assert [user["id"] for user in listed.json()["data"]] == [winner["id"]]
    server.assert_healthy_log()


class Gate(Protocol):
    """Another session holding the lock every writer of one customer needs, then letting go.

    The CLI processes start seconds apart (each imports the app), and a write takes
    milliseconds: left alone they would rarely overlap. Held closed until they all queue
    behind it, the gate makes them race for real when it opens.
    """

    async def close(self) -> None: ...

    async def waiting(self, processes: list[subprocess.Popen[str]]) -> int:
        """How many of ``processes`` are waiting at the gate (an estimate on SQLite)."""
        ...

    async def open(self) -> None: ...


class PostgresGate:
    """Holds the customer's row ``FOR UPDATE``: what the service locks, and what inserting a
    payment method of that customer (its foreign key check) waits for."""

    def __init__(self, url: str, customer_id: str) -> None:
        self.url, self.customer_id = url, customer_id

    async def close(self) -> None:
        self.connection = await asyncpg.connect(self.url, timeout=10)
        # Statistics are a snapshot per transaction: the watcher reads them outside this one.
        self.watcher = await asyncpg.connect(self.url, timeout=10)
        # Sessions already connected (the server's pool) are not the CLI processes.
        self.others = await self.watcher.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        )
        self.transaction = self.connection.transaction()
        await self.transaction.start()
        await self.connection.execute(
            "SELECT id FROM customers WHERE id = $1 FOR UPDATE", self.customer_id
        )

    async def waiting(self, processes: list[subprocess.Popen[str]]) -> int:
        count: int = await self.watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND NOT (pid = ANY($1::int[]))",
            [row["pid"] for row in self.others],
        )
        return count

    async def open(self) -> None:
        await self.transaction.rollback()
        await self.connection.close()
        await self.watcher.close()


class SqliteGate:
    """Holds SQLite's write lock (``BEGIN IMMEDIATE``) from another connection."""

    def __init__(self, path: str) -> None:
        self.path = path

    async def close(self) -> None:
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

    async def waiting(self, processes: list[subprocess.Popen[str]]) -> int:
        # A process that has the database open is at, or moments from, its write.
        return sum(self._has_open(process.pid) for process in processes)

    def _has_open(self, pid: int) -> bool:
        try:
            fds = Path(f"/proc/{pid}/fd")
            return any(os.readlink(fd) == self.path for fd in fds.iterdir())
        except OSError:
            return False

    async def open(self) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


def _gate(server: Arena, customer_id: str) -> Gate:
    url = server.env["ALTPAY_DATABASE_URL"]
    if server.backend == "postgresql":
        return PostgresGate(url, customer_id)
    return SqliteGate(url.removeprefix("sqlite:///"))


async def _patch_until_done(
    client: httpx.AsyncClient, customer_id: str, processes: list[subprocess.Popen[str]]
) -> list[httpx.Response]:
    """Writes to the same customer over HTTP for as long as the CLI processes run."""
    replies: list[httpx.Response] = []
    while any(process.poll() is None for process in processes):
        patches = [
            client.patch(f"/customers/{customer_id}", json={"city": f"Racetown {number}"})
            for number in range(2)
        ]
        replies.extend(await asyncio.gather(*patches))
        await asyncio.sleep(0.1)
    return replies


@dataclass
class MethodRace:
    processes: list[subprocess.Popen[str]]
    patches: list[httpx.Response]
    most_waiting: int


async def _open_when_waiting(
    gate: Gate,
    client: httpx.AsyncClient,
    customer_id: str,
    processes: list[subprocess.Popen[str]],
) -> tuple[int, list[httpx.Response]]:
    """Opens the gate once every process waits there (or a while after the first does).

    From the first waiter on, the server writes to the same customer too: those writes wait
    at the gate like the others. Returns the most processes seen waiting at once, and the
    server's replies.
    """
    most_waiting, first_waiting = 0, 0.0
    patching: asyncio.Task[list[httpx.Response]] | None = None
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in processes):
                break  # one got through a closed gate: it failed, and says why
            most_waiting = max(most_waiting, await gate.waiting(processes))
            if most_waiting and patching is None:
                first_waiting = time.monotonic()
                patching = asyncio.create_task(_patch_until_done(client, customer_id, processes))
            if most_waiting >= CLI_RACERS:
                await asyncio.sleep(0.5)  # the last ones reach their write
                break
            if patching is not None and time.monotonic() - first_waiting > GATE_SECONDS:
                break
            await asyncio.sleep(0.1)
    finally:
        await gate.open()
    return most_waiting, await patching if patching is not None else []


async def _race_default_methods(server: Arena, customer_id: str) -> MethodRace:
    """Starts the CLI processes behind a closed gate, opens it once they wait there, and
    meanwhile writes to the same customer through the server."""
    card = ["--type", "card", "--brand", "visa", "--exp-month", "12", "--exp-year", "2030"]
    command = [ALTPAY, "payment-methods", "add", "--customer", customer_id, *card]
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=server.headers, timeout=TIMEOUT
    ) as client:
        # The server's connections exist before the gate notes who is already connected.
        await asyncio.gather(
            *(client.patch(f"/customers/{customer_id}", json={"city": "Warm"}) for _ in range(2))
        )
        gate = _gate(server, customer_id)
        await gate.close()
        processes = [
            subprocess.Popen(
                [*command, "--last4", f"{4000 + number}", "--default", "--json"],
                env=server.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for number in range(CLI_RACERS)
        ]
        try:
            most_waiting, patches = await _open_when_waiting(gate, client, customer_id, processes)
        except BaseException:
            for process in processes:
                process.kill()
                process.communicate()
            raise
    return MethodRace(processes, patches, most_waiting)


def test_concurrent_default_payment_methods_leave_exactly_one_default(server: Arena) -> None:
    customer_id = server.create_customer()["id"]

    race = asyncio.run(_race_default_methods(server, customer_id))
    outputs = [process.communicate(timeout=120) for process in race.processes]

    for process, (stdout, stderr) in zip(race.processes, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr, stderr
        assert json.loads(stdout)["default"] is True
    # They did race: several were waiting at the gate together when it opened.
    assert race.most_waiting >= 2
    # The server's own writes to the customer, meanwhile, waited their turn and went through.
    assert race.patches
    assert _statuses(race.patches) == Counter({200: len(race.patches)}), [
        reply.text for reply in race.patches
    ]
    methods = server.get(f"/customers/{customer_id}/payment-methods")
    assert methods.status_code == 200, methods.text
    data = methods.json()["data"]
    assert len(data) == CLI_RACERS
    defaults = [method["id"] for method in data if method["default"]]
    assert len(defaults) == 1, data
    customer = server.get(f"/customers/{customer_id}")
    assert customer.status_code == 200, customer.text
    assert customer.json()["default_payment_method_id"] == defaults[0]
    server.assert_healthy_log()


async def _make_each_default(server: Arena, customer_id: str, method_ids: list[str]) -> list[Any]:
    """PATCH …/default of every method at once, each on its own connection."""
    limits = httpx.Limits(max_connections=len(method_ids), max_keepalive_connections=0)
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=server.headers, limits=limits, timeout=TIMEOUT
    ) as client:
        return list(
            await asyncio.gather(
                *(
                    client.patch(f"/customers/{customer_id}/payment-methods/{method}/default")
                    for method in method_ids
                )
            )
        )


def test_concurrent_default_changes_leave_exactly_one_default(server: Arena) -> None:
    customer_id = server.create_customer()["id"]
    path = f"/customers/{customer_id}/payment-methods/card"
    body = {"provider": "sandbox", "card_provider_token": "tok_visa"}
    method_ids = []
    for _ in range(RACERS):
        added = httpx.post(server.base_url + path, json=body, headers=server.headers)
        assert added.status_code == 201, added.text
        method_ids.append(added.json()["id"])

    replies = asyncio.run(_make_each_default(server, customer_id, method_ids))

    assert _statuses(replies) == Counter({200: RACERS}), [reply.text for reply in replies]
    methods = server.get(f"/customers/{customer_id}/payment-methods")
    defaults = [method["id"] for method in methods.json()["data"] if method["default"]]
    assert len(defaults) == 1, methods.text
    customer = server.get(f"/customers/{customer_id}")
    assert customer.json()["default_payment_method_id"] == defaults[0]
    server.assert_healthy_log()
