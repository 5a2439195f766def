"""The delivery loop's Prometheus metrics (served at ``/metrics`` by ``altpay serve``, and by
``altpay worker --metrics-port``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PENDING = Gauge(
    "altpay_webhook_events_pending",
    "Webhook events not yet delivered nor failed, as the delivery loop last counted them.",
    multiprocess_mode="mostrecent",
)
EVENTS_DELIVERED = Counter("altpay_webhook_events_delivered_total", "Webhook events delivered.")
EVENTS_FAILED = Counter(
    "altpay_webhook_events_failed_total", "Webhook events given up after their retry window."
)
ATTEMPTS = Counter(
    "altpay_webhook_delivery_attempts_total",
    "Webhook delivery attempts, by outcome (delivered, retry, failed).",
    ["outcome"],
)
DELIVERY_LATENCY = Histogram(
    "altpay_webhook_delivery_latency_seconds",
    "From the change's commit to its event's delivery (2xx) to the receiver.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400),
)
