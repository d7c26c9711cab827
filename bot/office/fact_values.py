"""The facts the office entered, as stored: one row per unit, quarter and fact name
(storage.models.QuarterFactValue), its value as the rubric's input reads it. Whatever
facts a rubric declares, they are stored alike: a rubric with other facts needs no schema
change. The fields that read and write them: bot/office/fact_fields.py."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.memo import NO_MEMO, Memo
from bot.office.fact_fields import Field, stored
from scoring import Quarter
from storage import queries
from storage.json_sql import json_object_agg
from storage.models import QuarterFactValue

_V = QuarterFactValue


def quarter_values(session: Session, quarter: Quarter,
                   unit_ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """Each unit's stored facts of a quarter, by name (one statement: a row per unit, its
    facts gathered into one JSON object by the database)."""
    query = (select(_V.unit_id, json_object_agg(_V.name, _V.value))
             .where(_V.quarter == str(quarter)).group_by(_V.unit_id))
    wanted = None if unit_ids is None else set(unit_ids)
    return {unit_id: values for unit_id, values in session.execute(query)
            if wanted is None or unit_id in wanted}


def facts_mark(session: Session, quarter: Quarter) -> tuple:
    """The mark of a quarter's facts (storage.queries.fact_marks), to read before them."""
    return queries.fact_marks(session, str(quarter), audit.FACTS_SET.entity)


def kept_values(session: Session, quarter: Quarter, mark: tuple,
                memo: Memo = NO_MEMO) -> dict[int, dict[str, Any]]:
    """Every unit's facts of a quarter (quarter_values); with a memo, kept under the mark
    read before them (facts_mark): a fact entered, changed or removed changes it."""
    return memo.get("facts", (quarter, mark), lambda: quarter_values(session, quarter))


def unit_values(session: Session, unit_id: int, quarter: Quarter) -> dict[str, Any]:
    """A unit's stored facts of a quarter, by name."""
    return {name: value for name, value in session.execute(select(_V.name, _V.value).where(
        _V.unit_id == unit_id, _V.quarter == str(quarter)))}


def last_change(session: Session, unit_id: int, quarter: Quarter) -> tuple[datetime, str] | None:
    """When and by whom a unit's quarter facts were last changed, if ever."""
    row = session.execute(select(_V.updated_at, _V.updated_by).where(
        _V.unit_id == unit_id, _V.quarter == str(quarter))
        .order_by(_V.updated_at.desc(), _V.id.desc()).limit(1)).first()
    return None if row is None else (row.updated_at, row.updated_by)


def as_stored(fields: Iterable[Field], typed: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values by field key (the ones given) as stored values by fact name."""
    return {f.fact: stored(f, typed[f.key]) for f in fields if f.key in typed}


def write_values(session: Session, unit_id: int, quarter: Quarter, values: Mapping[str, Any],
                 now: datetime, actor: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Store the facts given (None removes a fact's value); return (old, new) of the names
    given when something changed, else None."""
    rows = {r.name: r for r in session.scalars(select(_V).where(
        _V.unit_id == unit_id, _V.quarter == str(quarter), _V.name.in_(list(values))))}
    old = {name: rows[name].value if name in rows else None for name in values}
    if old == dict(values):
        return None
    for name, value in values.items():
        row = rows.get(name)
        if value is None and row is not None:
            session.delete(row)
        elif value is not None and row is None:
            session.add(_V(unit_id=unit_id, quarter=str(quarter), name=name, value=value,
                           updated_at=now, updated_by=actor))
        elif value is not None and row.value != value:
            row.value, row.updated_at, row.updated_by = value, now, actor
    session.flush()
    return old, dict(values)


def entered_names(session: Session, since: Quarter, names: Iterable[str]) -> set[str]:
    """Which of these facts have a value entered for a quarter from `since` on."""
    names = list(names)
    if not names:
        return set()
    return set(session.scalars(select(_V.name).where(_V.quarter >= str(since),
                                                     _V.name.in_(names)).distinct()))
