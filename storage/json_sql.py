"""SQL that builds JSON in the database, written for SQLite and PostgreSQL through
SQLAlchemy's documented extension point for dialect-specific constructs
(sqlalchemy.ext.compiler)."""
from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class json_object_agg(FunctionElement):  # noqa: N801 (the SQL function's own name)
    """An aggregate: the group's rows as one JSON object, `key` to `value` (a JSON column),
    read back as a dict. One row per group instead of one per pair: the driver and the
    result layer handle a row, and decode a JSON document, once per group."""

    type = JSON()
    name = "json_object_agg"
    inherit_cache = True


@compiles(json_object_agg, "postgresql")
def _postgresql(element, compiler, **kw):
    return f"json_object_agg({compiler.process(element.clauses, **kw)})"


@compiles(json_object_agg, "sqlite")
def _sqlite(element, compiler, **kw):
    key, value = (compiler.process(c, **kw) for c in element.clauses)
    # json(): the stored value (text, or a number by the column's affinity) as JSON, not text
    return f"json_group_object({key}, json({value}))"
