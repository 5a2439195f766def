"""A mixed read/write load against a running server, and what it was answered.

Every reply is kept, so that a fault test can check that each one was either a success or
a 503 ``unavailable`` with ``Retry-After`` (never a 500, never a dropped connection), and
read every acknowledged write back afterwards.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.errors import assert_http_error


@dataclass
class LoadResult:
    created: dict[str, str] = field(default_factory=dict)  # customer id -> its email
    # customer id -> every city a PATCH tried, in order, and whether it was acknowledged
    patches: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)  # (kind, status)
    unavailable: list[httpx.Response] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # 500s, other statuses, dropped sockets

    def count(self, kind: str, status: int) -> int:
        return self.statuses[(kind, status)]

    def summary(self) -> dict[str, int]:
        return {f"{kind} {status}": n for (kind, status), n in sorted(self.statuses.items())}


def _accept(result: LoadResult, kind: str, reply: httpx.Response, ok: int) -> bool:
    result.statuses[(kind, reply.status_code)] += 1
    if reply.status_code == ok:
        return True
    if reply.status_code == 503:
        result.unavailable.append(reply)
    else:
        result.failures.append(f"{kind}: {reply.status_code} {reply.text[:200]}")
    return False


async def _worker(api: httpx.AsyncClient, number: int, until: float, result: LoadResult) -> None:
    sequence = itertools.count()
    mine: list[str] = []
    while time.monotonic() < until:
        step = next(sequence)
        try:
            if step % 4 == 0 or not mine:
                email = f"load{number}-{step}@faults.example"
                reply = await api.post("/customers", json={"name": "Load Co", "email": email})
                if _accept(result, "create", reply, 201):
                    result.created[reply.json()["id"]] = email
                    mine.append(reply.json()["id"])
            elif step % 4 == 1:
                city = f"City {number}-{step}"
                tried = result.patches.setdefault(mine[-1], [])
                tried.append((city, False))
                reply = await api.patch(f"/customers/{mine[-1]}", json={"city": city})
                if _accept(result, "patch", reply, 200):
                    tried[-1] = (city, True)
            elif step % 4 == 2:
                _accept(result, "get", await api.get(f"/customers/{mine[-1]}"), 200)
            else:
                _accept(result, "list", await api.get("/customers", params={"limit": 10}), 200)
        except httpx.TransportError as error:
            result.failures.append(f"dropped: {error!r}")
            return  # the server is gone (or broke the connection): this client stops


async def run_load(
    base_url: str, headers: dict[str, str], seconds: float, concurrency: int = 6
) -> LoadResult:
    """``concurrency`` clients creating, patching, reading and listing for ``seconds``."""
    result = LoadResult()
    until = time.monotonic() + seconds
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=httpx.Timeout(20.0)
    ) as api:
        await asyncio.gather(*(_worker(api, n, until, result) for n in range(concurrency)))
    return result


def assert_only_answered_unavailable(result: LoadResult) -> None:
    """Every failed request was a 503 ``unavailable`` HttpError with ``Retry-After``."""
    assert not result.failures, (result.failures[:10], result.summary())
    for reply in result.unavailable:
        assert_http_error(reply, 503, "unavailable")
        assert int(reply.headers["retry-after"]) >= 1


def assert_acknowledged_writes_kept(
    base_url: str, headers: dict[str, str], result: LoadResult
) -> None:
    """Each acknowledged create is there, with its email, and each acknowledged patch (or
    one sent after it: a write whose answer was lost may have been committed)."""
    with httpx.Client(base_url=base_url, headers=headers, timeout=20.0) as api:
        for customer_id, email in result.created.items():
            reply = api.get(f"/customers/{customer_id}")
            assert reply.status_code == 200, (customer_id, reply.text)
            body: dict[str, Any] = reply.json()
            assert body["email"] == email
            tried = result.patches.get(customer_id, [])
            acknowledged = [index for index, (_, ok) in enumerate(tried) if ok]
            if acknowledged:
                # The last acknowledged city, or one that a later, unanswered PATCH wrote.
                later = [city for city, _ in tried[acknowledged[-1] :]]
                assert body["city"] in later, (customer_id, body["city"], tried)
