"""``/docs`` without a browser: the page names only local assets, and the app serves them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.app import sqlite_client
from tests.support.errors import assert_http_error


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    with sqlite_client(tmp_path) as client:
        yield client


def page_urls(html: str) -> list[str]:
    """Every URL the page loads or hands to Swagger UI."""
    attributes = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    spec = re.findall(r"""\burl:\s*'([^']*)'""", html)
    redirect = re.findall(
        r"""oauth2RedirectUrl:\s*window\.location\.origin\s*\+\s*'([^']*)'""", html
    )
    return [*attributes, *spec, *redirect]


def test_docs_page_references_only_local_assets_that_are_served(app_client: TestClient) -> None:
    page = app_client.get("/docs")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert re.search(r"(?i)(?:https?:)?//", html) is None, "the page names another host"
    urls = page_urls(html)
    assert {url.rsplit("/", 1)[-1] for url in urls} >= {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "favicon.png",
        "openapi.json",
        "oauth2-redirect",
    }
    for url in urls:
        assert url.startswith("/"), url
        served = app_client.get(url)
        assert served.status_code == 200, url
        assert served.content, url
    assert (
        app_client.get("/docs/assets/swagger-ui-bundle.js")
        .headers["content-type"]
        .startswith("text/javascript")
    )
    assert (
        app_client.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    )


def test_docs_configure_the_client_credentials_flow_with_http_basic(
    app_client: TestClient,
) -> None:
    html = app_client.get("/docs").text
    flows = app_client.get("/openapi.json").json()["components"]["securitySchemes"]

    assert "ui.initOAuth(" in html
    assert '"useBasicAuthenticationWithAccessCodeGrant": true' in html
    assert '"validatorUrl": null' in html
    oauth = [scheme for scheme in flows.values() if scheme["type"] == "oauth2"]
    assert [scheme["flows"]["clientCredentials"]["tokenUrl"] for scheme in oauth] == [
        "/oauth/token"
    ]


def test_oauth2_redirect_page_is_served(app_client: TestClient) -> None:
    page = app_client.get("/docs/oauth2-redirect")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "swaggerUIRedirectOauth2" in page.text


@pytest.mark.parametrize(
    "path",
    ["/docs/assets/redoc.standalone.js", "/docs/assets/..%2F__init__.py", "/redoc", "/docs/"],
)
def test_anything_else_is_still_a_404_http_error(app_client: TestClient, path: str) -> None:
    reply = app_client.get(path)

    assert_http_error(reply, 404, "not_found")


def test_docs_are_not_operations_of_the_api(app_client: TestClient) -> None:
    paths = app_client.get("/openapi.json").json()["paths"]

    assert not [path for path in paths if path.startswith("/docs")]


def test_other_methods_on_the_docs_are_a_405_http_error(app_client: TestClient) -> None:
    reply = app_client.post("/docs")

    assert_http_error(reply, 405, "method_not_allowed")
    assert reply.headers["allow"] == "GET"
