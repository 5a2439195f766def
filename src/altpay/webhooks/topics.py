"""The webhook topics: those altpay fires, and the vendor's others it accepts and never fires."""

from __future__ import annotations

CUSTOMER_CREATED = "customer_created"
CUSTOMER_UPDATED = "customer_updated"
CUSTOMER_ARCHIVED = "customer_archived"
CUSTOMER_RESTORED = "customer_restored"
PAYMENT_METHOD_ADDED = "payment_method_added"
PAYMENT_METHOD_DELETED = "payment_method_deleted"
DEFAULT_PAYMENT_METHOD_CHANGED = "default_payment_method_changed"

FIRED = (
    CUSTOMER_CREATED,
    CUSTOMER_UPDATED,
    CUSTOMER_ARCHIVED,
    CUSTOMER_RESTORED,
    PAYMENT_METHOD_ADDED,
    PAYMENT_METHOD_DELETED,
    DEFAULT_PAYMENT_METHOD_CHANGED,
)
# The vendor's topics of objects altpay does not have: a subscription is kept, nothing fires.
NEVER_FIRED = (
    "invoice_created",
    "invoice_paid",
    "invoice_overdue",
    "payment_succeeded",
    "payment_failed",
    "payout_created",
    "payout_paid",
)
TOPICS = (*FIRED, *NEVER_FIRED)
