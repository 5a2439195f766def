"""``GET /docs``: Swagger UI, served from the ``fastapi-offline`` package, never from a CDN.

The page, its assets and the OAuth2 redirect page are unauthenticated and outside the
OpenAPI document. The page authorizes with the client-credentials flow: Swagger UI sends
the client id and secret to ``/oauth/token`` with HTTP Basic (the vendor's documented way,
and the only way Swagger UI sends them for that flow), then calls the API with the token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

from altpay.core.errors import NotFound

router = APIRouter(include_in_schema=False)

DOCS_PATH = "/docs"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"
ASSETS_PATH = "/docs/assets"

_STATIC = Path(fastapi_offline.__file__).parent / "static"
# The only files served, with their media types: nothing else under the package's folder.
_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}

SWAGGER_UI_PARAMETERS: dict[str, Any] = {
    "displayOperationId": True,
    "displayRequestDuration": True,
    "persistAuthorization": False,
    # No badge that asks validator.swagger.io about the document.
    "validatorUrl": None,
}
INIT_OAUTH: dict[str, Any] = {
    "appName": "altpay",
    "scopeSeparator": " ",
    # Only for an authorization-code flow; clientCredentials always uses HTTP Basic.
    "useBasicAuthenticationWithAccessCodeGrant": True,
}


@router.get(DOCS_PATH)
async def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "").rstrip("/")
    openapi_url = request.app.openapi_url or "/openapi.json"
    return get_swagger_ui_html(
        openapi_url=f"{root}{openapi_url}",
        title=f"{request.app.title} - API reference",
        swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT_PATH}",
        init_oauth=INIT_OAUTH,
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )


@router.get(OAUTH2_REDIRECT_PATH)
async def swagger_ui_oauth2_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get(ASSETS_PATH + "/{name}")
async def swagger_ui_asset(name: str) -> FileResponse:
    media_type = _ASSETS.get(name)
    if media_type is None:
        raise NotFound()
    return FileResponse(_STATIC / name, media_type=media_type)
