"""The Prometheus metrics altpay keeps (served by ``altpay.core.metrics_routes``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
