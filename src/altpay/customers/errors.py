"""Errors of customers: their state, their existence, and their unique external ids."""

from __future__ import annotations

from altpay.core.errors import AppError, NotFound


class CustomerNotFound(NotFound):
    default_message = "No such customer."


class CustomerArchived(AppError):
    status, code = 400, "customer_archived"
    default_message = "The customer is archived."
    meaning = "the customer is archived"


class CustomerAlreadyArchived(AppError):
    status, code = 400, "customer_already_archived"
    default_message = "The customer is already archived."
    meaning = "the customer is already archived"


class CustomerNotArchived(AppError):
    status, code = 400, "customer_not_archived"
    default_message = "The customer is not archived."
    meaning = "the customer is not archived"


class DuplicateExternalId(Exception):
    """The account already has a customer with this external id (its unique index)."""
