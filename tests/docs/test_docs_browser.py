"""``/docs`` in headless Chromium against a real ``altpay serve``, with the network closed.

Every request the browser makes goes through Playwright's router: one for 127.0.0.1 or
localhost goes on, anything else is aborted and recorded, and the test fails if there is
any. Chromium is Debian's (``/usr/bin/chromium``, installed by ``.ci/run``), never a
Playwright browser download. Without it the test skips, except under ``CI=true``, where it
fails.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.support.cli import altpay_env
from tests.support.server import Server, printed_credentials

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
TIMEOUT_MS = 30_000
CUSTOMER_NAME = "Docs Browser Co"


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser test must run)")
    pytest.skip(reason)


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000
            )
        except PlaywrightError as error:
            unavailable(f"{CHROMIUM} cannot be launched: {error.message}")
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """A real ``altpay serve`` on SQLite: its base URL and the sandbox credentials it printed."""
    env = {**altpay_env(tmp_path / "data"), "ALTPAY_RATE_LIMIT": "0"}
    with Server.start(env) as started:
        client_id, secret = printed_credentials(started)
        yield started.base_url, client_id, secret


def operations_of(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (operation["operationId"], operation["summary"])
        for item in spec["paths"].values()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def create_customer(base: str, client_id: str, secret: str) -> None:
    token = httpx.post(
        f"{base}/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert token.status_code == 200, token.text
    created = httpx.post(
        f"{base}/customers",
        json={"name": CUSTOMER_NAME, "email": "docs@browser.example"},
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert created.status_code == 201, created.text


def shown_operations(page: Page) -> set[tuple[str, str]]:
    pairs = page.eval_on_selector_all(
        ".opblock",
        """blocks => blocks.map(block => [
            block.querySelector('.opblock-summary-operation-id')?.textContent.trim(),
            block.querySelector('.opblock-summary-description')?.textContent.trim(),
        ])""",
    )
    return {(operation_id, summary) for operation_id, summary in pairs}


def test_docs_authorize_and_try_it_out_with_the_network_closed(
    browser: Browser, server: tuple[str, str, str], tmp_path: Path
) -> None:
    base, client_id, secret = server
    create_customer(base, client_id, secret)
    expected = operations_of(httpx.get(f"{base}/openapi.json").json())
    outside: list[str] = []
    page_errors: list[str] = []

    def only_this_machine(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(url)
            route.abort("internetdisconnected")

    context = browser.new_context(service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", only_this_machine)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        page.goto(f"{base}/docs")

        # Every operation of the API, by its operationId and summary.
        expect(page.locator(".opblock")).to_have_count(len(expected))
        assert outside == [], f"the page reached beyond this machine: {outside}"
        assert shown_operations(page) == expected

        # Authorize: client id and secret, client-credentials flow, HTTP Basic.
        page.locator(".auth-wrapper").get_by_role("button", name="Authorize").click()
        modal = page.locator(".modal-ux")
        modal.locator("#client_id_clientCredentials").fill(client_id)
        modal.locator("#client_secret_clientCredentials").fill(secret)
        with page.expect_response(lambda reply: urlsplit(reply.url).path == "/oauth/token") as got:
            modal.get_by_role("button", name="Apply given OAuth2 credentials").click()
        token_reply = got.value
        assert token_reply.status == 200, token_reply.text()
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        assert token_reply.request.headers["authorization"] == f"Basic {basic}"
        form = parse_qs(token_reply.request.post_data or "")
        assert form["grant_type"] == ["client_credentials"]
        assert "client_secret" not in form
        expect(modal.get_by_role("button", name="Remove authorization")).to_be_visible()
        # One Close per security scheme (OAuth2 and the sandbox's admin token): any closes it.
        modal.locator("button.btn-done").first.click()

        # List customers: Try it out, Execute, and the JSON answer on the page.
        operation = page.locator(".opblock").filter(
            has=page.locator(
                ".opblock-summary-operation-id", has_text=re.compile("^listCustomers$")
            )
        )
        operation.locator(".opblock-summary").click()
        operation.get_by_role("button", name="Try it out").click()
        with page.expect_response(
            lambda reply: urlsplit(reply.url).path == "/customers" and reply.request.method == "GET"
        ) as got:
            operation.get_by_role("button", name="Execute").click()
        listed = got.value
        assert listed.status == 200, listed.text()
        assert listed.request.headers["authorization"].startswith("Bearer ")
        answer = operation.locator(
            ".live-responses-table .response-col_description:not(.col_header)"
        )
        expect(answer).to_contain_text('"has_next_page"')
        expect(answer).to_contain_text(CUSTOMER_NAME)
    except Exception as error:
        page.screenshot(path=str(tmp_path / "docs-failure.png"), full_page=True)
        if outside:
            raise AssertionError(f"the page reached beyond this machine: {outside}") from error
        raise
    finally:
        context.close()

    assert outside == [], f"the page reached beyond this machine: {outside}"
    assert page_errors == []
