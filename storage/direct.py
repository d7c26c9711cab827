"""A few hot Core statements run on the connection's DBAPI cursor, compiled once.

Every message runs the same two statements (read the sender and its months, store the
answered message). Through `Connection.execute` SQLAlchemy's per-execution work (the
compiled-cache lookup, the execution context, result metadata built from the cursor's
description) cost more client CPU than the statements themselves: bench/callbacks.py
measured about 0.3 ms of a callback's 1.9 ms. Here the statement is compiled once per
dialect, and its values still pass through its own types' bind and result processors,
so rows look as they do through `Connection.execute`.

What this does not do, by design: statement events and echo (`before_cursor_execute`)
do not see these statements, and only SQLAlchemy's own execution invalidates a pooled
connection on a disconnect (the engine's pre-ping finds it at the next checkout).
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable


@dataclass(frozen=True)
class _Form:
    """A statement as one dialect runs it."""

    sql: str
    names: tuple[str, ...]  # bind names, in the order a positional paramstyle needs
    positional: bool
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # (name, processor), where any
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, processor), where any


class DirectStatement:
    """A Core statement (no expanding IN, no bound defaults) run on the DBAPI cursor."""

    def __init__(self, statement: Executable):
        self.statement = statement
        self._forms: weakref.WeakKeyDictionary[Dialect, _Form] = weakref.WeakKeyDictionary()

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[tuple]:
        """Run the statement in `conn`'s transaction and return its rows, converted."""
        form = self._form(conn.dialect)
        cursor = self._run(conn, form, [params], many=False)
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        if not form.results:
            return fetched
        converted = []
        for row in fetched:
            row = list(row)
            for i, convert in form.results:
                row[i] = convert(row[i])
            converted.append(tuple(row))
        return converted

    def execute(self, conn: Connection, params: dict[str, Any] | list[dict[str, Any]]) -> None:
        """Run the statement once, or once per parameter set, in `conn`'s transaction."""
        many = isinstance(params, list)
        self._run(conn, self._form(conn.dialect), params if many else [params], many).close()

    def _run(self, conn: Connection, form: _Form, param_sets: list[dict], many: bool):
        if not conn.in_transaction():
            conn.begin()  # SQLAlchemy's begin: SQLite's writer lock, the caller's commit
        values = [self._values(form, p) for p in param_sets]
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            if many:
                cursor.executemany(form.sql, values)
            else:
                cursor.execute(form.sql, values[0])
        except conn.dialect.loaded_dbapi.Error as exc:
            cursor.close()
            # The same exception classes as through `Connection.execute` (IntegrityError…).
            raise DBAPIError.instance(form.sql, values, exc,
                                      conn.dialect.loaded_dbapi.Error) from exc
        return cursor

    @staticmethod
    def _values(form: _Form, params: dict[str, Any]):
        if form.binds:  # called for None too, as SQLAlchemy does
            params = dict(params)
            for name, convert in form.binds:
                params[name] = convert(params[name])
        if form.positional:
            return tuple(params[name] for name in form.names)
        return {name: params[name] for name in form.names}

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect)
        if form is None:
            form = self._forms[dialect] = _compile(self.statement, dialect)
        return form


def _compile(statement: Executable, dialect: Dialect) -> _Form:
    compiled = statement.compile(dialect=dialect)
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("an expanding parameter needs Connection.execute")
    names = tuple(compiled.positiontup) if compiled.positional else \
        tuple(dict.fromkeys(compiled.bind_names.values()))
    binds = []
    for bind, name in compiled.bind_names.items():
        if bind.value is not None or bind.callable is not None:
            raise ValueError(f"parameter {name} has a bound value; pass every value")
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            binds.append((name, convert))
    results = []
    for i, column in enumerate(getattr(statement, "exported_columns", ())):
        convert = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if convert is not None:
            results.append((i, convert))
    return _Form(compiled.string, names, compiled.positional, tuple(binds), tuple(results))
