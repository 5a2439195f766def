"""Errors of the sandbox controls."""

from __future__ import annotations

from altpay.auth.errors import Forbidden, Unauthorized


class AdminTokenRequired(Unauthorized):
    default_message = "Creating a tenant requires the sandbox admin token as a bearer token."


class AdminFromLoopbackOnly(Forbidden):
    default_message = "Without ALTPAY_SANDBOX_ADMIN_TOKEN, tenants are created from loopback only."
