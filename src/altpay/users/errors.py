"""Errors of customer users."""

from __future__ import annotations


class DuplicateEmail(Exception):
    """The customer already has a user with this e-mail address (its unique index)."""
