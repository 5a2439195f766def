"""Prometheus metrics, and ``GET /metrics`` (bearer ALTPAY_METRICS_TOKEN, or loopback only).

With several worker processes, ``PROMETHEUS_MULTIPROC_DIR`` (set by ``altpay serve``) makes
every worker's samples visible from any one of them.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from altpay.core.errors import NotFound

REQUESTS = Counter(
    "altpay_requests_total",
    "HTTP requests by route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "altpay_request_duration_seconds",
    "Time to answer a request.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
RATE_LIMIT_REJECTIONS = Counter(
    "altpay_rate_limit_rejections_total", "Requests refused with 429.", ["scope"]
)
RATE_LIMIT_STORE_ERRORS = Counter(
    "altpay_rate_limit_store_errors_total",
    "Rate checks that could not reach the shared store and let the request through.",
)
DB_POOL_IN_USE = Gauge(
    "altpay_db_pool_connections_in_use",
    "Database connections checked out.",
    multiprocess_mode="livesum",
)

router = APIRouter(include_in_schema=False)


def _allowed(request: Request) -> bool:
    token = request.app.state.runtime.settings.metrics_token
    if token is not None:
        expected = f"Bearer {token.get_secret_value()}"
        return hmac.compare_digest(request.headers.get("authorization", ""), expected)
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
