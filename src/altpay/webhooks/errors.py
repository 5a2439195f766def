"""Errors of webhook subscriptions."""

from __future__ import annotations

from altpay.core.errors import NotFound


class SubscriptionNotFound(NotFound):
    default_message = "No such webhook subscription."


class DuplicateSubscription(Exception):
    """The account already subscribes this endpoint URL to this topic (its unique index)."""
