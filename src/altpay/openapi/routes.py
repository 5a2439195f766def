"""``GET /openapi.json``: the refined document, with ``servers`` naming the instance asked."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from altpay.openapi.document import served_document

OPENAPI_PATH = "/openapi.json"

router = APIRouter(include_in_schema=False)


@router.get(OPENAPI_PATH)
async def openapi_document(request: Request) -> JSONResponse:
    # base_url carries the scheme, host and root path this request came through.
    settings = request.app.state.runtime.settings
    document = served_document(
        request.app.routes, str(request.base_url), sandbox_on=settings.sandbox_enabled
    )
    return JSONResponse(document)
