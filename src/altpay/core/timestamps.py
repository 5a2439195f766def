"""UTC timestamps with microseconds, stored and compared identically on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, String, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_timestamp(value: datetime) -> str:
    """RFC 3339, UTC, always six fractional digits: exactly the stored value."""
    # isoformat, and no conversion of what is already UTC (what the database gives): a page of
    # 100 formats 100 to 200 of them, and strftime cost half as much again.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python; ``timestamptz`` on PostgreSQL, naive UTC text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ShownTimestamp(TypeDecorator[str]):
    """A timestamp column read as the API shows it: ``format_timestamp``'s text, or ``null``.

    Made from the driver's own value: on SQLite, UTCDateTime's stored text ("YYYY-MM-DD
    HH:MM:SS.ffffff", naive UTC, always six fractional digits) is one character from RFC 3339,
    and no datetime is parsed; on PostgreSQL the driver's datetime is formatted. A select's
    column: a formatting expression there is computed for every row the planner sorts, and
    costed so. Where the database writes the text itself (a page's JSON), ``TimestampText``.
    """

    impl = String()
    cache_ok = True

    def __init__(self, null: str | None = None) -> None:
        super().__init__()
        self.null = null

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return self.null
        if isinstance(value, str):
            return f"{value[:10]}T{value[11:]}Z"
        return format_timestamp(value)


def shown_timestamp(column: ColumnElement[datetime], *, null: str | None = None) -> Any:
    """``column`` read as ``ShownTimestamp`` text (the statement's SQL is unchanged)."""
    return type_coerce(column, ShownTimestamp(null))


class TimestampText(FunctionElement[str]):
    """A timestamp column as ``format_timestamp``'s text, made by the database.

    For the JSON a page's rows are made of in SQL (``core.replies``), where no Python
    conversion runs. On SQLite the stored text ("YYYY-MM-DD HH:MM:SS.ffffff", naive UTC) gains
    its "T" and "Z"; on PostgreSQL ``to_char`` formats the UTC time with its microseconds.
    """

    type = String()
    inherit_cache = True
    name = "timestamp_text"


@compiles(TimestampText, "sqlite")
def _sqlite_timestamp_text(element: TimestampText, compiler: SQLCompiler, **kw: Any) -> str:
    stored = compiler.process(element.clauses, **kw)
    return f"substr({stored}, 1, 10) || 'T' || substr({stored}, 12) || 'Z'"


@compiles(TimestampText, "postgresql")
def _postgresql_timestamp_text(element: TimestampText, compiler: SQLCompiler, **kw: Any) -> str:
    stored = compiler.process(element.clauses, **kw)
    return f"""to_char({stored} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
