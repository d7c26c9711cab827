"""The office's entries: a month's waiver or exemption, the year's bonus and deduction
entries, each recorded with its audit entry, and their words.

The CLI, the office console and the demo all write entries through these functions. A
year's bonus and deduction kinds, their levels and their words are the rubric's (its
`[year]`: the version that scores the year, `RubricVersions.for_year`), checked by the
console's form (bot/office/forms.py) and the CLI before an entry is written.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from bot import audit
from scoring import Month, month_of
from storage import queries
from storage.models import BonusEntry, Deduction, MonthExcuse, Unit

EXCUSE_WORDS = {"waived": "豁免", "exempt": "免报"}


class EntryRefused(ValueError):
    """An entry the rules do not allow; the message says why, in Chinese."""


def set_excuse(session: Session, unit: Unit, month: Month, *, kind: str, reason: str,
               at: datetime, actor: str) -> MonthExcuse:
    """Waive a month afterwards (waived) or exempt it in advance (exempt), with a reason;
    a month's earlier waiver or exemption is replaced. Audited with the old values."""
    if kind not in EXCUSE_WORDS or not reason.strip():
        raise EntryRefused("请选择豁免或免报，并写明原因。")
    if kind == "waived" and month > month_of(at):
        raise EntryRefused(f"{month.label}还没到，不能豁免；事先免报请设为免报。")
    row = queries.excuse(session, unit.id, str(month))
    old = {"kind": row.kind, "reason": row.reason} if row else None
    if row is None:
        row = MonthExcuse(unit_id=unit.id, month=str(month))
        session.add(row)
    row.kind, row.reason, row.created_by, row.created_at = kind, reason, actor, at
    audit.record(session, at, actor, audit.EXCUSES[kind], f"{unit.id}:{month}", old,
                 {"kind": kind, "reason": reason}, unit_id=unit.id)
    return row


def remove_excuse(session: Session, unit: Unit, month: Month, *, at: datetime,
                  actor: str) -> MonthExcuse | None:
    """Take a month's waiver or exemption back (None: it had none), audited."""
    row = queries.excuse(session, unit.id, str(month))
    if row is not None:
        audit.record(session, at, actor, audit.EXCUSE_REMOVED, f"{unit.id}:{month}",
                     {"kind": row.kind, "reason": row.reason}, None, unit_id=unit.id)
        session.delete(row)
    return row


def add_bonus(session: Session, unit: Unit, year: int, *, kind: str, level: str | None,
              note: str, occurred_on: date | None, at: datetime, actor: str) -> BonusEntry:
    """Record a bonus occurrence (加分) and audit it."""
    entry = BonusEntry(unit_id=unit.id, year=year, kind=kind, level=level, note=note,
                       occurred_on=occurred_on, created_at=at, created_by=actor)
    return _recorded(session, entry, audit.BONUS_ADDED, unit, at, actor,
                     {"kind": kind, "level": level, "note": note})


def add_deduction(session: Session, unit: Unit, year: int, *, points: Decimal, kind: str,
                  reason: str, occurred_on: date | None, at: datetime, actor: str) -> Deduction:
    """Record a discretionary deduction (扣分) with its reason and audit it."""
    entry = Deduction(unit_id=unit.id, year=year, points=points, kind=kind, reason=reason,
                      occurred_on=occurred_on, created_at=at, created_by=actor)
    return _recorded(session, entry, audit.DEDUCTION_ADDED, unit, at, actor,
                     {"points": str(points), "kind": kind, "reason": reason})


def _recorded(session: Session, entry, change: audit.Change, unit: Unit, at: datetime,
              actor: str, values: dict):
    session.add(entry)
    session.flush()
    audit.record(session, at, actor, change, entry.id, None,
                 {"unit": unit.name, "year": entry.year, **values}, unit_id=unit.id)
    return entry
