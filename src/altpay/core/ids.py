"""Opaque, prefixed, time-ordered identifiers: ``cus_`` + a ULID in lower-case Crockford base32."""

from __future__ import annotations

import re
from datetime import datetime
from random import Random
from typing import Literal

from ulid import ULID

IdPrefix = Literal["acct", "cus", "usr", "pm", "cli", "whk", "evt", "req"]

_ULID_BODY = re.compile(r"[0-7][0-9a-hjkmnp-tv-z]{25}")
_RANDOM_BITS = 80


def new_id(prefix: IdPrefix, created_at: datetime | None = None) -> str:
    """A new id; of a row created at ``created_at`` (now when absent), so ids stay time-ordered."""
    return _formatted(prefix, ULID() if created_at is None else ULID.from_datetime(created_at))


def id_at(prefix: IdPrefix, created_at: datetime, rng: Random) -> str:
    """The id ``new_id`` gives a row created at ``created_at``, its random part drawn from
    ``rng``: for data made reproducibly, such as the benchmark's."""
    milliseconds = int(created_at.timestamp() * 1000)
    value = milliseconds << _RANDOM_BITS | rng.getrandbits(_RANDOM_BITS)
    return _formatted(prefix, ULID.from_int(value))


def _formatted(prefix: IdPrefix, ulid: ULID) -> str:
    return f"{prefix}_{str(ulid).lower()}"


def is_well_formed(prefix: IdPrefix, value: str) -> bool:
    """Whether ``value`` could be an id we issued; anything else is simply not found."""
    head, separator, body = value.partition("_")
    return separator == "_" and head == prefix and _ULID_BODY.fullmatch(body) is not None
