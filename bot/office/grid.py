"""Units × months: each month's status and completion time, as the scores judge them
(bot.scores, scoring.judge_month).

No Flask here: the board, the charts and the evidence pack all read the same grid.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.memo import NO_MEMO, Memo, Same
from bot.month_books import MonthBook, month_books
from bot.rules import Rules
from bot.scores import judged_status
from scoring import Month, local
from scoring.words import STATUS_LABELS
from scoring.assessment import month_not_judged_reason
from storage.models import Unit


@dataclass(frozen=True)
class Cell:
    """One unit's month: its status (None: not judged, the unit joined later, `note` says
    so) and when it became complete."""

    status: str | None
    completed_at: datetime | None
    note: str = ""

    # What the board writes of it (a column of cells is kept: bot.memo).
    @property
    def css(self) -> str:
        return self.status or "none"

    @property
    def words(self) -> str:
        return STATUS_LABELS[self.status] if self.status else "未纳入"

    @cached_property
    def minute(self) -> str:
        return minute(self.completed_at)


def minute(t: datetime | None) -> str:
    """An instant as local month-day and minute, for crowded cells ("" for none)."""
    return local(t).strftime("%m-%d %H:%M") if t else ""


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


def month_grid(session: Session, units: list, months: list[Month], now: datetime,
               rules: Rules, memo: Memo = NO_MEMO) -> dict[tuple[int, str], Cell]:
    """Every unit's status and completion time for every month given; with a memo, each
    month's column is kept under the month's states and the units."""
    books = month_books(session, units, months, now, rules.deadline, rules.completion, memo)
    marked = tuple((u.id, u.created_at) for u in units)  # what a column reads of them
    cells = {}
    for m in months:
        cells.update(memo.get("column", (Same(books[m]), marked),
                              lambda m=m: _column(m, books[m], units)))
    return cells


def _column(month: Month, book: MonthBook, units: list) -> dict[tuple[int, str], Cell]:
    cells, key = {}, str(month)
    for u in units:
        state = book[u.id]
        status = judged_status(u, state)
        cells[(u.id, key)] = Cell(status, state.completed_at,
                                  "" if status else month_not_judged_reason(u.created_at))
    return cells


def tally(grid: dict[tuple[int, str], Cell], months: list[Month]) -> dict[str, dict[str, int]]:
    """How many units had each status, month by month."""
    counts: dict[str, dict[str, int]] = {str(m): defaultdict(int) for m in months}
    for (_unit, month), cell in grid.items():
        if cell.status is not None and month in counts:
            counts[month][cell.status] += 1
    return {m: dict(c) for m, c in counts.items()}
