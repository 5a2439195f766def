"""Query parameters that need more than a type: page requests and RFC 3339 timestamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query

from altpay.core.errors import InvalidParameter
from altpay.core.pagination import MAX_CURSOR_LENGTH, MAX_LIMIT, PageRequest

_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
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
        # Near the ends of the calendar the conversion to UTC overflows (0001-01-01T00:00+01:00).
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise InvalidParameter(validation_errors={name: "is not a valid date and time"}) from error


# async, though it never waits: FastAPI runs a plain ``def`` dependency on a worker
# thread, a thread hop per request (docs/performance.md).
async def page_request(
    limit: Annotated[
        int,
        Query(description="Number of items to return", ge=1, le=MAX_LIMIT),
    ] = MAX_LIMIT,
    after: Annotated[
        str | None,
        Query(
            description="Specifies the cursor after which to start returning results. For the "
            "first page, this should be left empty. For subsequent pages, use the value of the "
            "end_cursor field from the previous response.",
            max_length=MAX_CURSOR_LENGTH,
        ),
    ] = None,
    before: Annotated[
        str | None,
        Query(
            description="Specifies the cursor before which to return results. Use this to "
            "paginate backwards. For example, to load the previous page, provide the value of "
            "the start_cursor field from the last response.",
            max_length=MAX_CURSOR_LENGTH,
        ),
    ] = None,
) -> PageRequest:
    # An empty cursor means "the first page" (the vendor's own words).
    after, before = after or None, before or None
    if after is not None and before is not None:
        raise InvalidParameter(
            "Use either after or before, not both.",
            validation_errors={"before": "cannot be combined with after"},
        )
    return PageRequest(limit=limit, after=after, before=before)
