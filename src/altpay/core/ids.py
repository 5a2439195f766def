"""Opaque, prefixed, time-ordered identifiers: ``cus_`` + a ULID in lower-case Crockford base32."""

from __future__ import annotations

import re
from typing import Literal

from ulid import ULID

IdPrefix = Literal["acct", "cus", "usr", "pm", "cli"]

_ULID_BODY = re.compile(r"[0-7][0-9a-hjkmnp-tv-z]{25}")


def new_id(prefix: IdPrefix) -> str:
    return f"{prefix}_{str(ULID()).lower()}"


def is_well_formed(prefix: IdPrefix, value: str) -> bool:
    """Whether ``value`` could be an id we issued; anything else is simply not found."""
    head, separator, body = value.partition("_")
    return separator == "_" and head == prefix and _ULID_BODY.fullmatch(body) is not None
