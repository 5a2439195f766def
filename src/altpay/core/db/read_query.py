"""``ReadQuery``: a fixed SELECT compiled once per dialect and run straight on the driver.

The hot read paths (a customer by id, a page of customers) run one: a SQLAlchemy statement
built once with named parameters, compiled once per dialect, executed on the driver's
connection with SQLAlchemy's own type conversions. Per request that skips building the
statement, its cache key, the execution context and the result objects, which cost several
times the query itself (docs/performance.md).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select


class ReadQuery:
    """A fixed SELECT with named ``bindparam``s, compiled once per dialect, run on the driver.

    Rows are named tuples with the statement's column names, their values converted by the
    columns' own SQLAlchemy types, exactly as ``Connection.execute`` would return them.
    """

    def __init__(self, statement: Select[Any], *, custom_plan: bool = False) -> None:
        """``custom_plan``: on PostgreSQL, planned for its values on every run, never with a
        generic plan (a cached prepared statement may switch to one after five runs): for
        statements whose best plan depends on the values, such as a rare word's filter."""
        self.statement = statement
        self.custom_plan = custom_plan
        self._compiled: dict[str, _CompiledRead] = {}

    def compiled(self, dialect: Dialect) -> _CompiledRead:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _CompiledRead(self.statement, dialect)
        return compiled


class _CompiledRead:
    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("a ReadQuery cannot have expanding or literal-execute parameters")
        self.sql = compiled.string
        defaults = compiled.params
        self._parameters = [
            (name, defaults.get(name), _bind_processor(compiled.binds[name].type, dialect))
            for name in compiled.positiontup or ()
        ]
        columns = list(statement.selected_columns)
        row_type = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
        self._make: Callable[[Iterable[Any]], Any] = row_type._make
        self._converters = [
            (index, processor)
            for index, column in enumerate(columns)
            if (processor := _result_processor(column.type, dialect)) is not None
        ]

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        bound = []
        for name, default, process in self._parameters:
            value = values.get(name, default)
            bound.append(value if process is None or value is None else process(value))
        return bound

    def rows(self, raw: Iterable[Sequence[Any]]) -> list[Any]:
        make = self._make
        if not self._converters:
            return [make(row) for row in raw]
        rows = []
        for row in raw:
            values = list(row)
            for index, convert in self._converters:
                values[index] = convert(values[index])
            rows.append(make(values))
        return rows


def _bind_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    processor: Callable[[Any], Any] | None = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _result_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    processor: Callable[[Any], Any] | None = type_.dialect_impl(dialect).result_processor(
        dialect, None
    )
    return processor
