"""The year's bonus and deduction entries, recorded with their audit entry.

The CLI and the office console both add entries through these functions.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from storage import queries
from storage.models import BonusEntry, Deduction, Unit


def add_bonus(session: Session, unit: Unit, year: int, *, kind: str, level: str | None,
              note: str, occurred_on: date | None, at: datetime, actor: str) -> BonusEntry:
    """Record a bonus occurrence (加分) and audit it."""
    entry = BonusEntry(unit_id=unit.id, year=year, kind=kind, level=level, note=note,
                       occurred_on=occurred_on, created_at=at, created_by=actor)
    session.add(entry)
    session.flush()
    queries.audit(session, at, actor, "create", "bonus_entry", entry.id, None,
                  {"unit": unit.name, "year": year, "kind": kind, "level": level, "note": note})
    return entry


def add_deduction(session: Session, unit: Unit, year: int, *, points: Decimal, kind: str,
                  reason: str, occurred_on: date | None, at: datetime, actor: str) -> Deduction:
    """Record a discretionary deduction (扣分) with its reason and audit it."""
    entry = Deduction(unit_id=unit.id, year=year, points=points, kind=kind, reason=reason,
                      occurred_on=occurred_on, created_at=at, created_by=actor)
    session.add(entry)
    session.flush()
    queries.audit(session, at, actor, "create", "deduction", entry.id, None,
                  {"unit": unit.name, "year": year, "points": str(points), "kind": kind,
                   "reason": reason})
    return entry
