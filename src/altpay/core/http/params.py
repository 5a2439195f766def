"""Parameters that need more than a type: RFC 3339 timestamps, and the ids in paths."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query

from altpay.core.errors import InvalidParameter

_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)

# A '+' sent unencoded in a query string arrives as a space (form encoding).
_UNENCODED_PLUS = re.compile(_RFC3339.pattern.replace("[+-]", "[ -]"))


def parse_rfc3339(name: str, value: str | None) -> datetime | None:
    """An RFC 3339 timestamp with an offset, in UTC; InvalidParameter naming ``name`` if not."""
    if not value:
        return None
    if _RFC3339.fullmatch(value) is None:
        if _UNENCODED_PLUS.fullmatch(value):
            raise InvalidParameter(
                validation_errors={
                    name: "has a space where its offset's + should be: send + as %2B in a URL"
                }
            )
        raise InvalidParameter(
            validation_errors={name: "must be an RFC 3339 timestamp with an offset"}
        )
    try:
        # Near the ends of the calendar the conversion to UTC overflows (0001-01-01T00:00+01:00).
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise InvalidParameter(validation_errors={name: "is not a valid date and time"}) from error


# The ids in paths, one alias each, shared by every domain whose routes nest under them.
CustomerId = Annotated[str, Path(description="Customer ID")]
PaymentMethodId = Annotated[str, Path(description="Payment Method ID")]


# The creation-date filters of every list that has them.
CreatedAtStart = Annotated[
    str | None, Query(description="Filter by creation date start (RFC3339 format)")
]
CreatedAtEnd = Annotated[
    str | None, Query(description="Filter by creation date end (RFC3339 format)")
]


def created_range(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """The ``created_at_start``/``created_at_end`` bounds, in UTC; InvalidParameter if a bound is
    malformed or the start is after the end."""
    first = parse_rfc3339("created_at_start", start)
    last = parse_rfc3339("created_at_end", end)
    if first is not None and last is not None and first > last:
        raise InvalidParameter(
            validation_errors={"created_at_start": "must not be after created_at_end"}
        )
    return first, last
