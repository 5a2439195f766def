"""``kill -9`` under write load, on both backends: after a restart, every create and patch
that was acknowledged is there (the requests cut off by the kill may or may not be)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.load import LoadResult, assert_acknowledged_writes_kept, run_load
from tests.support.server import Server, bearer, server_env
from tests.support.sqlite import sqlite_database
from tests.support.tenants import provision

LOAD_SECONDS = 10.0  # the bound; the kill ends the load well before it
KILL_AFTER = 3.0


@pytest.mark.timeout(60)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_under_write_load_keeps_every_acknowledged_write(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = sqlite_database(tmp_path / "db")
    else:
        url = request.getfixturevalue("postgres_url")
    env = server_env(tmp_path / "server", url)
    (client,) = provision(url)

    with Server.start(env) as server:
        headers = bearer(server, client)

        async def scenario() -> LoadResult:
            load = asyncio.create_task(run_load(server.base_url, headers, LOAD_SECONDS))
            await asyncio.sleep(KILL_AFTER)
            server.process.kill()
            return await load

        result = asyncio.run(scenario())
        assert server.process.wait(timeout=10) == -9

    assert len(result.created) > 20, result.summary()
    assert any(ok for tried in result.patches.values() for _, ok in tried), result.summary()
    with Server.start(env) as restarted:
        assert_acknowledged_writes_kept(restarted.base_url, headers, result)
