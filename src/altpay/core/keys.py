"""Keys derived from the signing key, one per purpose."""

from __future__ import annotations

import hashlib
import hmac


def derive_key(master: bytes, purpose: str) -> bytes:
    """A key for one purpose, so that tokens and cursors never share a key."""
    return hmac.new(master, f"altpay:{purpose}".encode(), hashlib.sha256).digest()
