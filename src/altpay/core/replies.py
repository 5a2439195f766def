"""Rows shaped by their query as a reply shows them, so that no row is converted in Python.

A reply's select names each field of the reply model, in the model's order, with the value
the reply shows: a column of the same name, a timestamp read as its RFC 3339 text
(``shown_timestamp``), or an expression given for the field (an empty string for a null).
One row is its model's arguments. A list's rows go further (``reply_items``): the database
writes each reply as JSON text, which the page embeds as it is (``core.pagination``).
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, String, Table, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import Label, TypeCoerce
from sqlalchemy.sql.functions import FunctionElement

from altpay.core.timestamps import ShownTimestamp, TimestampText, UTCDateTime, shown_timestamp

ITEM = "item"  # a list row's reply, as JSON text


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


def reply_items(
    table: Table, reply: type[BaseModel], **shown: ColumnElement[Any]
) -> list[ColumnElement[Any]]:
    """A list's columns: ``item``, the reply (``reply_columns``) as JSON text the database
    writes, and ``id``. A cursor is made of the reply's ``created_at`` and ``id``.

    Python handles one string per row, not a value per field: for a page of 100 customers on
    SQLite, 410-510 us from the rows to the page's JSON against 240-250 (docs/performance.md).
    """
    if not {"created_at", "id"} <= reply.model_fields.keys():
        raise ValueError(f"{reply.__name__} has no position: a list's replies show created_at, id")
    fields = {column.name: _text(column) for column in reply_columns(table, reply, **shown)}
    return [JsonObject(fields).label(ITEM), table.c.id]


def _text(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A reply column's value as the database writes it into JSON: text, or null."""
    assert isinstance(column, Label)  # reply_columns labels each with its field
    value = column.element
    if isinstance(value, TypeCoerce) and isinstance(value.type, ShownTimestamp):
        text: ColumnElement[Any] = TimestampText(value.clause)
        null = value.type.null
        return text if null is None else or_text(text, null)
    if not isinstance(value.type, String):
        # SQLite would write a boolean as 0 or 1: a field of another type is shown in Python.
        raise ValueError(f"{column.name} is not text: its JSON is not the database's to write")
    return value


def text_literal(text: str) -> ColumnElement[str]:
    """``text`` written into the statement (a reply's own words, such as an empty field)."""
    quoted = text.replace("'", "''")
    return literal_column(f"'{quoted}'", String())


def or_text(value: ColumnElement[Any], text: str = "") -> ColumnElement[str]:
    """``value``, or ``text`` where it is null: a reply shows no nulls."""
    return func.coalesce(value, text_literal(text))


class JsonObject(FunctionElement[str]):
    """A JSON object of text fields, in their order, written by the database.

    SQLite's ``json_object``; on PostgreSQL each value's ``to_json`` joined into the object,
    since ``json_build_object`` spaces its output ("a" : 1) where orjson, which writes the
    rest of the page, does not.
    """

    type = String()
    inherit_cache = True
    name = "json_object"

    def __init__(self, fields: dict[str, ColumnElement[Any]]) -> None:
        for key in fields:
            if not key.isidentifier():
                raise ValueError(f"not a field name: {key!r}")
        self.keys = list(fields)
        # The keys are clauses too, so that the element's cache key holds them.
        keys = [literal_column(f"'{key}'", String()) for key in fields]
        super().__init__(*chain.from_iterable(zip(keys, fields.values(), strict=True)))


@compiles(JsonObject, "sqlite")
def _sqlite_json_object(element: JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(JsonObject, "postgresql")
def _postgresql_json_object(element: JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    values = list(element.clauses)[1::2]
    members = []
    for key, value in zip(element.keys, values, strict=True):
        text = f"({compiler.process(value, **kw)})::text"
        members.append(f"""'"{key}":' || coalesce(to_json({text})::text, 'null')""")
    return "('{' || " + " || ',' || ".join(members) + " || '}')"
