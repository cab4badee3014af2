"""Statements compiled once and run on SQLite's driver connection, with SQLAlchemy's type processing.

SQLAlchemy's execution path (cache key, execution context, cursor result) cost about as much as
the statement itself on an embedded database: a third of a one-row read, a fifth of a create's
three inserts. For the statements of the hot paths (the tenant guard's Core reads and inserts,
``tenancy.read_rows`` and ``tenancy.insert_row``) the SQL, the order of its parameters and each
value's bind and result processor (the ones SQLAlchemy applies: ``DateTime`` as ISO text, JSON by
orjson) are worked out once per statement. A driver error is raised as the SQLAlchemy error it
would have been (``OperationalError``, ``IntegrityError``), so the answers built on them (503 on a
locked database, 409 on a unique clash) hold. A statement SQLAlchemy rewrites per execution
(expanding ``IN``, Python-side column defaults) is not prepared: the caller runs it as usual.
Other databases always take SQLAlchemy's path.
"""

from __future__ import annotations

import collections
import functools
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import JSON, Connection, Insert, Select, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

from server_impl.adapters.sqlalchemy.types import COLUMN_READERS


class _Prepared:
    """The SQL of a compiled statement and how to turn named values into its positional parameters."""

    def __init__(self, compiled: SQLCompiler, names: Iterable[str], dialect: Dialect) -> None:
        self.sql = compiled.string
        binds = compiled.binds
        self._binds = tuple(
            (name, binds[name].type.dialect_impl(dialect).bind_processor(dialect), binds[name].value) for name in names
        )

    def execute(self, connection: Connection, parameters: Mapping[str, Any]) -> sqlite3.Cursor:
        """Run the statement in the connection's transaction (begun here as SQLAlchemy would)."""
        values = []
        for name, process, default in self._binds:
            value = parameters.get(name, default)
            values.append(value if process is None or value is None else process(value))
        if not connection.in_transaction():
            connection.begin()  # the deferred or immediate BEGIN SQLAlchemy's execute would issue
        driver: Any = connection.connection.driver_connection
        try:
            cursor: sqlite3.Cursor = driver.execute(self.sql, values)
        except sqlite3.Error as error:
            raise DBAPIError.instance(self.sql, values, error, sqlite3.Error, dialect=connection.dialect) from error
        return cursor


class PreparedRead(_Prepared):
    """A select whose rows come back as tuples whose columns are also attributes by their keys."""

    def __init__(self, compiled: SQLCompiler, names: Iterable[str], statement: Select[Any], dialect: Dialect) -> None:
        super().__init__(compiled, names, dialect)
        processors = (_result_processors(column.type, dialect) for column in statement.selected_columns)
        self._processors = tuple(
            (index, *processors) for index, processors in enumerate(processors) if processors is not None
        )
        self._row: Any = collections.namedtuple("Row", list(statement.selected_columns.keys()))  # type: ignore[misc]

    def rows(self, connection: Connection, parameters: Mapping[str, Any]) -> list[Any]:
        """Return the rows of the statement with ``parameters``."""
        try:
            raw = self.execute(connection, parameters).fetchall()
        except sqlite3.Error as error:
            raise DBAPIError.instance(self.sql, [], error, sqlite3.Error, dialect=connection.dialect) from error
        make = self._row._make
        if not raw or not self._processors:
            return [make(row) for row in raw]
        columns: list[Iterable[Any]] = list(zip(*raw, strict=True))  # column by column: the loops run in C
        for index, process, whole in self._processors:
            column = columns[index]
            if whole is not None:
                try:  # the usual spelling of every value (JSON text, naive UTC text): no call per value
                    columns[index] = whole(column)
                    continue
                except (TypeError, ValueError):  # a NULL or number in a JSON column, a timestamp with an offset
                    pass  # value by value below, where malformed text raises as SQLAlchemy's processor would
            columns[index] = map(process, column)
        return [make(row) for row in zip(*columns, strict=True)]


_Processors = tuple[Callable[[Any], Any], Callable[[Iterable[Any]], list[Any]] | None]


def _result_processors(type_: TypeEngine[Any], dialect: Dialect) -> _Processors | None:
    """Return a column's result processor and, where one exists, a reader of a whole column tried first.

    The column reader handles the usual spelling of the values and raises ``TypeError`` or
    ``ValueError`` on any other; the column is then read value by value by the processor.
    """
    impl = type_.dialect_impl(dialect)
    loads = getattr(dialect, "_json_deserializer", None)
    if isinstance(impl, JSON) and loads is not None:
        # SQLAlchemy's JSON processor on SQLite is two wrappers around the deserializer: one for
        # None, one for a scalar number SQLite's NUMERIC affinity turned into a number. The bare
        # deserializer refuses both (TypeError or ValueError), so a column is first decoded by it
        # alone, and value by value through the wrappers only when it refuses one of its values.
        return functools.partial(_json_value, loads), functools.partial(_each, getattr(loads, "__wrapped__", loads))
    process = impl.result_processor(dialect, None)
    if process is None:
        return None
    return process, COLUMN_READERS.get(process)


def _each(function: Callable[[Any], Any], values: Iterable[Any]) -> list[Any]:
    return list(map(function, values))


def _json_value(loads: Callable[[str | bytes], Any], value: Any) -> Any:
    return loads(value) if isinstance(value, (str, bytes)) else value


@functools.lru_cache(maxsize=512)  # holds the statements it saw, so an id is never reused while cached
def prepared_read(statement: Select[Any], dialect: Dialect) -> PreparedRead | None:
    """Return ``statement`` prepared for SQLite, or ``None`` when SQLAlchemy must run it (or not SQLite)."""
    if dialect.name != "sqlite":
        return None
    compiled = statement.compile(dialect=dialect)
    names = compiled.positiontup
    if names is None or any(bind.expanding or bind.literal_execute for bind in compiled.binds.values()):
        return None  # a shape SQLAlchemy rewrites per execution: let it
    keys = list(statement.selected_columns.keys())
    if not all(key.isidentifier() and not key.startswith("_") for key in keys):
        return None
    return PreparedRead(compiled, names, statement, dialect)


@functools.lru_cache(maxsize=512)
def prepared_insert(table: Table, columns: frozenset[str], dialect: Dialect) -> _Prepared | None:
    """Return the insert of a row giving ``columns`` into ``table`` prepared for SQLite, or ``None``."""
    if dialect.name != "sqlite":
        return None
    compiled = insert_of(table).compile(dialect=dialect, column_keys=sorted(columns))
    names = compiled.positiontup
    if names is None or compiled.insert_prefetch or set(names) != columns:
        return None  # a column default computed in Python for each row, or a renamed parameter: let SQLAlchemy
    return _Prepared(compiled, names, dialect)


@functools.cache
def insert_of(table: Table) -> Insert:
    """Return the (cached) Core insert of ``table``."""
    return insert(table)
