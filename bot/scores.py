"""Scores derived from stored facts at a given time: the quarter and year tables, ranked.

Every table is built from a fixed number of statements (units, facts, totals entered by
hand, media, the months' marks, items and excuses; bonus and deductions for the year),
never one or more per unit. Which quarters count is scoring's judgement (`assess_quarter`,
`year_quarters`). Given a memo (bot.memo: the office's pages), each month's states, each
unit's quarter and each table are kept under their inputs: the inputs are read afresh
every time, and only what changed is judged and scored again.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.memo import NO_MEMO, Memo, Same, frozen, rows_key
from bot.month_books import month_books
from bot.office.fact_values import facts_mark, kept_values, quarter_values
from bot.office.results import HandEntry, QuarterResult, ScoreRow, YearResult
from bot.rules import Rules
from bot.summaries import MonthState
from scoring import (Month, MonthStatus, QuarterAssessment, Quarter, Rubric, RubricVersions,
                     assess_quarter, month_judged, month_of, quarter_score, score_by_hand,
                     year_label, year_quarters, year_score)
from storage.models import BonusEntry, Deduction, MediaStory, QuarterTotal, Unit


def quarter_has_ended(quarter: Quarter, now: datetime) -> bool:
    """True once the quarter's last month is over (local time)."""
    return month_of(now) > quarter.months()[-1]


def unit_month_states(session: Session, units: list, months: list[Month], now: datetime,
                      rules: Rules, memo: Memo = NO_MEMO) -> dict[int, dict[Month, MonthState]]:
    """Each unit's state of each month given, as scoring judges it (bot.month_books)."""
    books = month_books(session, units, months, now, rules.deadline, rules.completion, memo)
    return {unit.id: {m: books[m][unit.id] for m in months} for unit in units}


def judged_status(unit, state: MonthState) -> str | None:
    """A unit's month status as the board shows it; None when the month is not judged
    for the unit (its deadline passed before the unit came on the bot)."""
    return state.status.value if month_judged(state.deadline, unit.created_at) else None


def month_statuses(session: Session, units: list, quarter: Quarter, now: datetime,
                   rules: Rules, memo: Memo = NO_MEMO) -> dict[int, dict[str, str]]:
    """Each unit's months of the quarter that the bot can judge and in which its
    category's summary falls due, by status."""
    states = unit_month_states(session, units, quarter.months(), now, rules, memo)
    return {unit.id: counted_statuses(unit, states[unit.id]) for unit in units}


def counted_statuses(unit, states: Mapping[Month, MonthState]) -> dict[str, str]:
    """A unit's months that the bot can judge and that fall due for it, by status."""
    return {str(m): status for m, status in counted_months(unit, states).items()}


def counted_months(unit, states: Mapping[Month, MonthState]) -> dict[Month, str]:
    """`counted_statuses`, by the months themselves."""
    judged = {m: judged_status(unit, state) for m, state in states.items()}
    return {m: status for m, status in judged.items()
            if status not in (None, MonthStatus.NOT_DUE.value)}


def quarter_input(unit: Unit, quarter: Quarter, values: Mapping[str, Any],
                  stories: list[MediaStory], months: Mapping[Month, str],
                  version: Rubric) -> dict[str, Any]:
    """The scoring contract's quarter input for one unit: the facts its version declares,
    as stored (bot.office.fact_values); a stories fact's stories when any are entered or
    they are counted; a submissions fact's months from the bot's judgement, those due.
    The quarter and the months are given as Quarter and Month (the contract reads a
    period written as text or given typed): nothing to parse back."""
    data: dict[str, Any] = {"quarter": quarter, "category": unit.category}
    for name, fact in version.facts.items():
        if fact.type == "submissions":
            due = version.submissions[fact.submission].due_months(quarter, unit.category)
            data[name] = {m: status for m, status in months.items() if m in due}
        elif fact.type == "stories":
            if stories or values.get(name):
                data[name] = [{"story": s.story, "level": s.level} for s in stories]
        elif values.get(name) is not None:
            data[name] = values[name]
    return data


def facts_entered(values: Mapping[str, Any], stories: list[MediaStory]) -> bool:
    """True when the office entered any fact or media story for the quarter."""
    return bool(stories) or any(v is not None for v in values.values())


def quarter_result(unit: Unit, quarter: Quarter, assessment: QuarterAssessment,
                   data: dict[str, Any], hand: QuarterTotal | None,
                   rubric: RubricVersions) -> QuarterResult:
    """A unit's quarter result: scored by the rubric, entered by hand, or not assessed."""
    version = rubric.for_quarter(quarter)
    result = QuarterResult(quarter, unit.category, version.standards[unit.category], assessment)
    if not assessment.assessed:
        return result
    if hand is not None:
        return dataclasses.replace(
            result, score=score_by_hand(quarter, unit.category, hand.total, version),
            by_hand=HandEntry(hand.reason, hand.updated_by, hand.updated_at))
    return dataclasses.replace(result, score=quarter_score(data, version))


def _ranked(rows: list[tuple[Unit, QuarterResult | YearResult]], key) -> list[ScoreRow]:
    """Rank the rows that have a total within their category; the others stay unranked."""
    by_category = defaultdict(list)
    for unit, result in rows:
        by_category[unit.category].append((unit, result))
    ranked = []
    for members in by_category.values():
        scored = sorted(((u, r) for u, r in members if r.assessed),
                        key=lambda m: (-key(m[1]), m[0].id))
        rank, previous = 0, None
        for position, (unit, result) in enumerate(scored, start=1):
            if key(result) != previous:
                rank, previous = position, key(result)
            ranked.append(ScoreRow(unit.id, unit.name, unit.category, result, rank,
                                   len(scored)))
        ranked += [ScoreRow(u.id, u.name, u.category, r, None, len(scored))
                   for u, r in members if not r.assessed]
    order = {u.id: n for n, (u, _) in enumerate(rows)}
    return sorted(ranked, key=lambda r: order[r.unit_id])


def _units(session: Session, category=None) -> list:
    query = (select(Unit.id, Unit.name, Unit.category, Unit.created_at)
             .where(Unit.active.is_(True)).order_by(Unit.id))
    if category is not None:
        query = query.where(Unit.category == category)
    return list(session.execute(query))


def quarter_table(session: Session, quarter: Quarter, now: datetime, rules: Rules,
                  category: str | None = None, memo: Memo = NO_MEMO) -> list[ScoreRow]:
    """Every active unit's quarter score, the assessed ones ranked within their category.

    With a memo, the table is kept under the rows it was computed from (units, totals by
    hand, media), its facts' mark (storage.queries.fact_marks) and its months' states; on a
    change, each unit's result is kept under its own facts, rows and statuses, and only the
    units whose inputs changed are scored. The quarter's facts are kept under their mark:
    a message or a waiver reads none of them again."""
    return list(_quarter_table(session, quarter, now, rules, category, memo))


def _quarter_table(session: Session, quarter: Quarter, now: datetime, rules: Rules,
                   category: str | None, memo: Memo) -> tuple[ScoreRow, ...]:
    units = _units(session, category=category)
    wanted = {u.id for u in units}
    # a key's mark of the facts, read before what it marks (only by a memo that keeps)
    facts = facts_mark(session, quarter) if memo.keeps else None
    hand = [t for t in session.execute(
        select(*QuarterTotal.__table__.columns).where(QuarterTotal.quarter == str(quarter))
        .order_by(QuarterTotal.unit_id)) if t.unit_id in wanted]
    stories = [s for s in session.execute(
        select(MediaStory.unit_id, MediaStory.story, MediaStory.level)
        .where(MediaStory.quarter == str(quarter)).order_by(MediaStory.id))
        if s.unit_id in wanted]
    books = month_books(session, units, quarter.months(), now, rules.deadline,
                        rules.completion, memo)

    def table() -> tuple[ScoreRow, ...]:
        values = (kept_values(session, quarter, facts, memo) if memo.keeps
                  else quarter_values(session, quarter, wanted))
        return tuple(_quarter_rows(quarter, rules, units, values, hand, stories, books, memo))
    if not memo.keeps:
        return table()
    key = (quarter, category, Same(rules.rubric), rules.deadline, rows_key(units), facts,
           rows_key(hand), rows_key(stories), tuple(Same(books[m]) for m in quarter.months()))
    return memo.get("table", key, table)


def _quarter_rows(quarter: Quarter, rules: Rules, units: list, facts: dict, hand: list,
                  stories: list, books: dict, memo: Memo) -> list[ScoreRow]:
    hand = {t.unit_id: t for t in hand}
    by_unit = defaultdict(list)
    for story in stories:
        by_unit[story.unit_id].append(story)
    version = rules.rubric.for_quarter(quarter)
    rows = []
    for u in units:
        months = counted_months(u, {m: books[m][u.id] for m in quarter.months()})
        values, mine, entered = facts.get(u.id, {}), tuple(by_unit[u.id]), hand.get(u.id)
        assessment = assess_quarter(quarter, u.created_at, rules.deadline,
                                    facts_entered=facts_entered(values, mine),
                                    total_by_hand=entered is not None)
        key = (quarter, Same(rules.rubric), u.category, assessment, frozen(values),
               rows_key(mine), entered and tuple(entered),
               tuple(months.items())) if memo.keeps else None
        rows.append((u, memo.get("quarter", key, lambda: quarter_result(
            u, quarter, assessment, quarter_input(u, quarter, values, mine, months, version),
            entered, rules.rubric))))
    return _ranked(rows, key=lambda r: r.percent)


def year_table(session: Session, year: int, now: datetime, rules: Rules,
               category: str | None = None, memo: Memo = NO_MEMO) -> list[ScoreRow]:
    """Every active unit's running annual score over its assessed quarters that have
    ended, ranked within its category; a unit with none has no total and no rank.

    With a memo, kept under its quarters' tables, the units, bonus and deductions; on a
    change, each unit's year is kept under its quarters' results and its own entries."""
    ended = tuple(q for q in (Quarter(year, q) for q in range(1, 5))
                  if quarter_has_ended(q, now))
    tables = {q: _quarter_table(session, q, now, rules, category, memo) for q in ended}
    units = _units(session, category=category)
    wanted = {u.id for u in units}
    bonus = [b for b in session.execute(
        select(BonusEntry.unit_id, BonusEntry.kind, BonusEntry.level)
        .where(BonusEntry.year == year).order_by(BonusEntry.id)) if b.unit_id in wanted]
    deductions = [d for d in session.execute(
        select(Deduction.unit_id, Deduction.points, Deduction.reason)
        .where(Deduction.year == year).order_by(Deduction.id)) if d.unit_id in wanted]
    key = (year, category, ended, Same(rules.rubric), rows_key(units), rows_key(bonus),
           rows_key(deductions), tuple(Same(tables[q]) for q in ended))
    return list(memo.get("table", key, lambda: tuple(_year_rows(
        year, ended, rules, units, bonus, deductions, tables, memo))))


def _year_rows(year: int, ended: tuple[Quarter, ...], rules: Rules, units: list,
               bonus: list, deductions: list, tables: dict, memo: Memo) -> list[ScoreRow]:
    of_quarter = {q: {r.unit_id: r.result for r in rows} for q, rows in tables.items()}
    bonus_of, deductions_of = defaultdict(list), defaultdict(list)
    for b in bonus:
        bonus_of[b.unit_id].append(b)
    for d in deductions:
        deductions_of[d.unit_id].append(d)
    rows = []
    for unit in units:
        of_unit = {q: of_quarter[q][unit.id] for q in ended}
        mine = (tuple(bonus_of[unit.id]), tuple(deductions_of[unit.id]))
        key = (year, ended, Same(rules.rubric), tuple(Same(r) for r in of_unit.values()),
               rows_key(mine[0]), rows_key(mine[1]))
        rows.append((unit, memo.get("year", key, lambda: year_result(
            year, ended, of_unit, *mine, rules.rubric))))
    return _ranked(rows, key=lambda r: r.total)


def year_result(year: int, ended: tuple[Quarter, ...], of_unit: Mapping[Quarter, QuarterResult],
                bonus: tuple, deductions: tuple, rubric: RubricVersions) -> YearResult:
    """A unit's running year from its results of the quarters ended, its bonus entries
    (kind, level) and deductions (points, reason)."""
    provisional = len(ended) < 4
    counted = year_quarters({q: r.assessment for q, r in of_unit.items()}, list(ended))
    totals = {q: of_unit[q].total for q in counted}
    score = year_score({"year": year, "provisional": provisional, "quarters": totals,
                        "bonus": [{"kind": b.kind, **({"level": b.level} if b.level else {})}
                                  for b in bonus],
                        "deductions": [{"points": d.points, "reason": d.reason}
                                       for d in deductions]}, rubric)
    # with no assessed quarter ended: no mean, no total, no rank
    return YearResult(
        score, year_label(year, counted, provisional) if counted else "", totals,
        by_hand=tuple(q for q in counted if of_unit[q].assessment.by_hand),
        not_assessed={q: r.assessment.reason for q, r in of_unit.items()
                      if not r.assessment.assessed})


def unit_quarter(session: Session, unit: Unit, quarter: Quarter, now: datetime,
                 rules: Rules, memo: Memo = NO_MEMO) -> ScoreRow:
    """One unit's quarter score with its rank: the category's table (with a memo, only
    the units whose inputs changed are scored again)."""
    for row in quarter_table(session, quarter, now, rules, category=unit.category, memo=memo):
        if row.unit_id == unit.id:
            return row
    raise LookupError(unit.id)


def unit_year(session: Session, unit: Unit, year: int, now: datetime,
              rules: Rules, memo: Memo = NO_MEMO) -> ScoreRow:
    """One unit's running annual score with its rank in its category."""
    for row in year_table(session, year, now, rules, category=unit.category, memo=memo):
        if row.unit_id == unit.id:
            return row
    raise LookupError(unit.id)
