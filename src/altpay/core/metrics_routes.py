"""``GET /metrics``: bearer ALTPAY_METRICS_TOKEN, or loopback only when no token is set.

With several worker processes, ``PROMETHEUS_MULTIPROC_DIR`` (set by ``altpay serve``) makes
every worker's samples visible from any one of them.
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from altpay.core.errors import NotFound
from altpay.core.http.access import from_loopback, presents_bearer

router = APIRouter(include_in_schema=False)


def _allowed(request: Request) -> bool:
    token = request.app.state.runtime.settings.metrics_token
    if token is not None:
        return presents_bearer(request, token)
    return from_loopback(request)


@router.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    if not _allowed(request):
        raise NotFound()
    registry = None
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    body = generate_latest(registry) if registry is not None else generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
