"""The year's bonus and deduction entries, recorded with their audit entry, and their words.

The CLI and the office console both add entries through these functions and name their
kinds with these words.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from bot import audit
from scoring.params import DEFAULT
from storage.models import BonusEntry, Deduction, Unit

# Each bonus kind's levels (None: it has none), as the rubric's bonus tables name them.
BONUS_KINDS = {"host_event": None, "research_visit": tuple(DEFAULT.research_visit_bonus),
               "endorsement": tuple(DEFAULT.endorsement_bonus)}
BONUS_WORDS = {"host_event": "承办县中心会议或活动", "research_visit": "承接实地调研",
               "endorsement": "领导批示"}
BONUS_LEVEL_WORDS = {"central": "中央", "provincial": "省级", "municipal": "市级",
                     "county": "县级主要领导"}
DEDUCTION_WORDS = {"materials": "未按要求报送材料", "perfunctory": "服务敷衍、搞形式主义",
                   "falsified": "经核实服务造假（资料、时长、项目、地点）"}
DEDUCTION_KINDS = tuple(DEDUCTION_WORDS)


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
