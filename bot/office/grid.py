"""Units × months: each month's status (bot.scores' own judgement) and completion time.

No Flask here: the board, the charts and the evidence pack all read the same grid.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.rules import Rules
from bot.scores import month_statuses
from scoring import Material, Month, completed_at
from scoring.assessment import month_not_judged_reason
from storage.models import SummaryItem, Unit


@dataclass(frozen=True)
class Cell:
    """One unit's month: its status (None: not judged, the unit joined later, `note` says
    so) and when it became complete."""

    status: str | None
    completed_at: datetime | None
    note: str = ""


def unit_rows(session: Session, category: str | None = None) -> list:
    """Active units as light rows (id, name, category, created_at), by id."""
    query = (select(Unit.id, Unit.name, Unit.category, Unit.created_at)
             .where(Unit.active.is_(True)).order_by(Unit.id))
    if category:
        query = query.where(Unit.category == category)
    return list(session.execute(query))


def months_until(end: Month, span: int) -> list[Month]:
    """The `span` months ending with `end`, oldest first."""
    months = [end]
    while len(months) < span:
        months.append(months[-1].prev())
    return months[::-1]


def completion_times(session: Session, unit_ids: list[int], months: list[Month],
                     rules: Rules) -> dict[tuple[int, str], datetime]:
    """When each unit's month became complete (the time that decides on time or late)."""
    materials = defaultdict(list)
    for unit_id, month, kind, chars, sent_at in session.execute(
            select(SummaryItem.unit_id, SummaryItem.month, SummaryItem.kind,
                   SummaryItem.chars, SummaryItem.sent_at)
            .where(SummaryItem.month.in_([str(m) for m in months]),
                   SummaryItem.unit_id.in_(unit_ids), SummaryItem.withdrawn_at.is_(None))):
        materials[(unit_id, month)].append(
            Material(at=sent_at, chars=chars, photos=1 if kind == "photo" else 0))
    done = {key: completed_at(found, rules.completion) for key, found in materials.items()}
    return {key: at for key, at in done.items() if at is not None}


def month_grid(session: Session, units: list, months: list[Month], now: datetime,
               rules: Rules) -> dict[tuple[int, str], Cell]:
    """Every unit's status and completion time for every month given."""
    statuses: dict[int, dict[str, str]] = defaultdict(dict)
    for quarter in sorted({m.quarter for m in months}):
        for unit_id, by_month in month_statuses(session, units, quarter, now, rules).items():
            statuses[unit_id].update(by_month)
    times = completion_times(session, [u.id for u in units], months, rules)
    cells = {}
    for u in units:
        for m in months:
            status = statuses[u.id].get(str(m))
            cells[(u.id, str(m))] = Cell(
                status, times.get((u.id, str(m))),
                "" if status else month_not_judged_reason(u.created_at))
    return cells


def tally(grid: dict[tuple[int, str], Cell], months: list[Month]) -> dict[str, dict[str, int]]:
    """How many units had each status, month by month."""
    counts: dict[str, dict[str, int]] = {str(m): defaultdict(int) for m in months}
    for (_unit, month), cell in grid.items():
        if cell.status is not None and month in counts:
            counts[month][cell.status] += 1
    return {m: dict(c) for m, c in counts.items()}
