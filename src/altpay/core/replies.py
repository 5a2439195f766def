"""Rows shaped by their query as a reply shows them, so that no row is converted in Python.

A reply's select names each field of the reply model, in the model's order, with the value
the reply shows: a column of the same name, a timestamp read as its RFC 3339 text
(``shown_timestamp``), or an expression given for the field (an empty string for a null). A
page of such rows is serialised straight to JSON (``core.pagination``); one row is its
model's arguments.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Table

from altpay.core.timestamps import UTCDateTime, shown_timestamp


def reply_columns(
    table: Table, reply: type[BaseModel], **shown: ColumnElement[Any]
) -> list[ColumnElement[Any]]:
    """``reply``'s fields from ``table``'s columns of their names, or as ``shown``."""
    unknown = shown.keys() - reply.model_fields.keys()
    if unknown:
        raise ValueError(f"not fields of {reply.__name__}: {sorted(unknown)}")
    return [_shown(table, field, shown.get(field)).label(field) for field in reply.model_fields]


def _shown(table: Table, field: str, expression: ColumnElement[Any] | None) -> ColumnElement[Any]:
    if expression is not None:
        return expression
    column = table.c[field]
    return shown_timestamp(column) if isinstance(column.type, UTCDateTime) else column
