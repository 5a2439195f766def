"""Errors of payment methods."""

from __future__ import annotations

from altpay.core.errors import NotFound


class PaymentMethodNotFound(NotFound):
    default_message = "No such payment method."
