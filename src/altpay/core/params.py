"""Query parameters that need more than a type: RFC 3339 timestamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from altpay.core.errors import InvalidParameter

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})"
)


def parse_rfc3339(name: str, value: str | None) -> datetime | None:
    """An RFC 3339 timestamp with an offset, in UTC; InvalidParameter naming ``name`` if not."""
    if not value:
        return None
    if _RFC3339.fullmatch(value) is None:
        raise InvalidParameter(
            validation_errors={name: "must be an RFC 3339 timestamp with an offset"}
        )
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidParameter(validation_errors={name: "is not a valid date and time"}) from error
    return parsed.astimezone(UTC)
