"""Errors of fixture files."""

from __future__ import annotations

from altpay.core.errors import ValidationFailed


class InvalidFixtures(ValidationFailed):
    """The file is not a fixture file this service reads; nothing of it was written."""

    default_message = "The fixture file is invalid."
