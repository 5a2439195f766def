"""``unindexed``: a column SQLite must not reach through an index, in one condition.

SQLite's planner takes the first usable index for an equality, and for an ``ORDER BY`` it
can walk; where the caller knows a better way in (a small set of keys from another index),
a unary ``+`` on the column takes the term out of the planner's choice of index (SQLite's
documented way). Elsewhere the column is itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal


class Unindexed(ColumnElement[Any]):
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type

    @property
    def _from_objects(self) -> Any:  # the column's table, as the column itself brings it
        return self.column._from_objects


def unindexed(column: ColumnElement[Any]) -> ColumnElement[Any]:
    return Unindexed(column)


@compiles(Unindexed)
def _elsewhere(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(Unindexed, "sqlite")
def _on_sqlite(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.column, **kw)}"
