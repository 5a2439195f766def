"""Errors of payment methods."""

from __future__ import annotations

from altpay.core.errors import AppError, NotFound


class PaymentMethodNotFound(NotFound):
    default_message = "No such payment method."


class CardExpired(AppError):
    status, code = 422, "card_expired"
    default_message = "The card behind this token has expired."
    meaning = "the card provider's token names an expired card"


class InvalidCardToken(AppError):
    status, code = 422, "invalid_card_token"
    default_message = "The card provider does not know this token."
    meaning = "the card provider does not know the token"
