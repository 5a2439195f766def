"""What a running server writes to stderr: one JSON access line per request, and no secrets.

A real ``altpay serve`` with its output captured gets a token request, customers created
with e-mail addresses, a list followed by its cursor, reads, a patch with ``X-Request-Id``,
and a few refused requests (a wrong secret, an invalid e-mail, a forged cursor, an unknown
path). Then it is stopped and everything it printed is read back: every access line is JSON
with the documented fields and a route *template*; the request id sent is in its line; and
neither the client secret, nor the access token, nor an e-mail address, nor a cursor appears
anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import Server, request_token, server_env, serving
from tests.support.sqlite import sqlite_database
from tests.support.tenants import provision

REQUEST_ID = "test-req-42"
ACCESS_FIELDS = {
    "time",
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "client_id",
    "account_id",
}
ROUTES = {"/oauth/token", "/customers", "/customers/{id}", "/healthz", "unmatched"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    url = sqlite_database(tmp_path / "db")
    env = server_env(tmp_path / "server", url)
    with serving(env) as (started,):
        yield started


def _access_lines(text: str) -> list[dict[str, Any]]:
    """Every access line, each required to be one JSON object."""
    lines = []
    for line in text.splitlines():
        if "altpay.access" not in line:
            continue
        record = json.loads(line)  # an access line that is not JSON fails here
        assert isinstance(record, dict), line
        if record.get("logger") == "altpay.access":
            lines.append(record)
    return lines


def test_access_lines_are_json_templates_and_nothing_secret_is_printed(server: Server) -> None:
    (client,) = provision(server.database_url)
    emails = ["jane.private@logs.example", "john.private@logs.example"]
    invalid_email = "not-an-address@@leak.example"
    wrong_secret = "sk_wrong-secret-that-must-not-be-logged-0123456789abcd"

    with server.client() as api:
        token_reply = request_token(server.base_url, client)
        assert token_reply.status_code == 200, token_reply.text
        token = token_reply.json()["access_token"]
        api.headers["Authorization"] = f"Bearer {token}"

        created = [
            api.post("/customers", json={"name": f"Private {n}", "email": email})
            for n, email in enumerate(emails)
        ]
        assert [reply.status_code for reply in created] == [201, 201]
        first_page = api.get("/customers", params={"limit": 1})
        assert first_page.status_code == 200, first_page.text
        cursor = first_page.json()["end_cursor"]
        assert cursor
        second_page = api.get("/customers", params={"limit": 1, "after": cursor})
        assert second_page.status_code == 200, second_page.text
        customer_id = created[0].json()["id"]
        assert api.get(f"/customers/{customer_id}").status_code == 200
        patched = api.patch(
            f"/customers/{customer_id}",
            json={"city": "Lognes"},
            headers={"X-Request-Id": REQUEST_ID},
        )
        assert patched.status_code == 200, patched.text
        assert patched.headers["X-Request-Id"] == REQUEST_ID

        # Refusals carry the same kind of data, and must not print it either.
        invalid = api.post("/customers", json={"name": "Bad", "email": invalid_email})
        assert invalid.status_code == 422, invalid.text
        forged_cursor = cursor[:-4] + ("AAAA" if not cursor.endswith("AAAA") else "BBBB")
        forged = api.get("/customers", params={"after": forged_cursor})
        assert forged.status_code == 400, forged.text
        assert api.get(f"/customers/{customer_id}/nowhere").status_code == 404
    impostor = replace(client, client_secret=wrong_secret)
    refused = request_token(server.base_url, impostor)
    assert refused.status_code == 401, refused.text

    assert server.stop() == 0
    stderr, stdout = server.stderr(), server.stdout()

    lines = _access_lines(stderr)
    assert len(lines) >= 11, stderr
    for line in lines:
        assert set(line) >= ACCESS_FIELDS, line
        assert line["route"] in ROUTES, line
        assert isinstance(line["status"], int), line
        assert isinstance(line["duration_ms"], int | float), line
        assert line["duration_ms"] >= 0, line
        assert line["request_id"], line
    routes = {line["route"] for line in lines}
    assert {"/oauth/token", "/customers", "/customers/{id}", "unmatched"} <= routes
    api_lines = [line for line in lines if line["route"].startswith("/customers")]
    for line in api_lines:
        assert line["client_id"] == client.client_id, line
        assert line["account_id"] == client.account_id, line
    token_lines = [line for line in lines if line["route"] == "/oauth/token"]
    assert token_lines[0]["client_id"] == client.client_id

    tagged = [line for line in lines if line["request_id"] == REQUEST_ID]
    assert len(tagged) == 1, lines
    assert tagged[0]["method"] == "PATCH"
    assert tagged[0]["route"] == "/customers/{id}"
    assert tagged[0]["status"] == 200

    printed = stderr + stdout
    secrets = {
        "client secret": client.client_secret,
        "wrong secret": wrong_secret,
        "access token": token,
        "token signature": token.rsplit(".", 1)[1],
        "cursor": cursor,
        "forged cursor": forged_cursor,
        "invalid e-mail": invalid_email,
        "customer id in a path": f"/customers/{customer_id}",
    }
    for email in emails:
        secrets[f"e-mail {email}"] = email
        secrets[f"local part of {email}"] = email.split("@")[0]
    leaked = [name for name, value in secrets.items() if value in printed]
    assert not leaked, leaked
