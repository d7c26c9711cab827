"""Scores derived from stored facts at a given time: the quarter and year tables, ranked.

Every table is built from a fixed number of statements (units, facts, media, items,
excuses; bonus and deductions for the year), never one or more per unit.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.rules import Rules
from bot.summaries import month_states
from scoring import Quarter, month_of, score_quarter, score_year
from scoring.validate import COUNTS, FLAGS
from storage.models import BonusEntry, Deduction, MediaStory, QuarterFact, Unit

FACT_FIELDS = (*FLAGS, *COUNTS, "volunteer_hours", "awareness_rate", "satisfaction")


@dataclass(frozen=True)
class ScoreRow:
    """One unit's result in a table, with its rank in its category."""

    unit_id: int
    unit_name: str
    category: str
    result: dict[str, Any]
    rank: int
    of: int

    @property
    def total(self) -> Decimal:
        return Decimal(self.result["total"])


def quarter_has_ended(quarter: Quarter, now: datetime) -> bool:
    """True once the quarter's last month is over (local time)."""
    return month_of(now) > quarter.months()[-1]


def month_statuses(session: Session, units: list, quarter: Quarter, now: datetime,
                   rules: Rules) -> dict[int, dict[str, str]]:
    """Each unit's months of the quarter that the bot can judge, by status."""
    ids = [unit.id for unit in units]  # loaded already: no query per month for them
    states = {m: month_states(session, m, now, rules.deadline, rules.completion, ids)
              for m in quarter.months()}
    out: dict[int, dict[str, str]] = {}
    for unit in units:
        # Months whose deadline passed before the unit was on the bot are not judged.
        out[unit.id] = {str(m): states[m][unit.id].status.value for m in quarter.months()
                        if states[m][unit.id].deadline > unit.created_at}
    return out


def quarter_input(unit: Unit, quarter: Quarter, fact: QuarterFact | None,
                  stories: list[MediaStory], months: dict[str, str]) -> dict[str, Any]:
    """The scoring contract's quarter input for one unit."""
    data: dict[str, Any] = {"quarter": str(quarter), "category": unit.category,
                            "months": months}
    if fact is not None:
        for name in FACT_FIELDS:
            value = getattr(fact, name)
            if value is not None:
                data[name] = value
    if stories or (fact is not None and fact.media_entered):
        data["media"] = [{"story": s.story, "level": s.level} for s in stories]
    return data


def _ranked(rows: list[tuple[Unit, dict[str, Any]]], key) -> list[ScoreRow]:
    by_category = defaultdict(list)
    for unit, result in rows:
        by_category[unit.category].append((unit, result))
    ranked = []
    for members in by_category.values():
        members.sort(key=lambda r: (-key(r[1]), r[0].id))
        rank, previous = 0, None
        for position, (unit, result) in enumerate(members, start=1):
            if key(result) != previous:
                rank, previous = position, key(result)
            ranked.append(ScoreRow(unit.id, unit.name, unit.category, result, rank,
                                   len(members)))
    order = {u.id: n for n, (u, _) in enumerate(rows)}
    return sorted(ranked, key=lambda r: order[r.unit_id])


def _units(session: Session, category=None) -> list:
    query = (select(Unit.id, Unit.name, Unit.category, Unit.created_at)
             .where(Unit.active.is_(True)).order_by(Unit.id))
    if category is not None:
        query = query.where(Unit.category == category)
    return list(session.execute(query))


def quarter_table(session: Session, quarter: Quarter, now: datetime, rules: Rules,
                  category: str | None = None) -> list[ScoreRow]:
    """Every active unit's quarter score, ranked within its category."""
    units = _units(session, category=category)
    wanted = {u.id for u in units}
    facts = {f.unit_id: f for f in session.execute(
        select(*QuarterFact.__table__.columns).where(QuarterFact.quarter == str(quarter)))
        if f.unit_id in wanted}
    stories = defaultdict(list)
    for story in session.execute(
            select(MediaStory.unit_id, MediaStory.story, MediaStory.level)
            .where(MediaStory.quarter == str(quarter)).order_by(MediaStory.id)):
        stories[story.unit_id].append(story)
    statuses = month_statuses(session, units, quarter, now, rules)
    rows = [(u, score_quarter(quarter_input(u, quarter, facts.get(u.id), stories[u.id],
                                            statuses[u.id]), rules.rubric))
            for u in units]
    return _ranked(rows, key=lambda r: Decimal(r["percent"]))


def year_table(session: Session, year: int, now: datetime, rules: Rules,
               category: str | None = None) -> list[ScoreRow]:
    """Every active unit's running annual score, ranked within its category."""
    quarters = [Quarter(year, q) for q in range(1, 5)]
    ended = [q for q in quarters if quarter_has_ended(q, now)]
    tables = {q: {r.unit_id: r for r in quarter_table(session, q, now, rules, category)}
              for q in ended}
    units = _units(session, category=category)
    ids = [u.id for u in units]
    bonus, deductions = defaultdict(list), defaultdict(list)
    for b in session.scalars(select(BonusEntry).where(BonusEntry.year == year,
                                                      BonusEntry.unit_id.in_(ids))):
        bonus[b.unit_id].append({"kind": b.kind, **({"level": b.level} if b.level else {})})
    for d in session.scalars(select(Deduction).where(Deduction.year == year,
                                                     Deduction.unit_id.in_(ids))):
        deductions[d.unit_id].append({"points": str(d.points), "reason": d.reason})
    rows = []
    for unit in units:
        result = score_year({
            "year": year, "provisional": len(ended) < 4,
            "quarters": {str(q): tables[q][unit.id].result["total"] for q in ended},
            "bonus": bonus[unit.id], "deductions": deductions[unit.id]}, rules.rubric)
        result["quarter_totals"] = {str(q): tables[q][unit.id].result["total"] for q in ended}
        rows.append((unit, result))
    return _ranked(rows, key=lambda r: Decimal(r["total"]))


def unit_quarter(session: Session, unit: Unit, quarter: Quarter, now: datetime,
                 rules: Rules) -> ScoreRow:
    """One unit's quarter score with its rank (the category's table is computed)."""
    for row in quarter_table(session, quarter, now, rules, category=unit.category):
        if row.unit_id == unit.id:
            return row
    raise LookupError(unit.id)


def unit_year(session: Session, unit: Unit, year: int, now: datetime,
              rules: Rules) -> ScoreRow:
    """One unit's running annual score with its rank in its category."""
    for row in year_table(session, year, now, rules, category=unit.category):
        if row.unit_id == unit.id:
            return row
    raise LookupError(unit.id)
