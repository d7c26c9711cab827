"""Every unit's state of the months given, for the tables, the board and the charts
(bot.summaries.month_states: each month's items in one statement, judged by scoring),
each month kept (bot.memo) under its inputs.

A month's states are kept under the month's mark (storage.queries.item_marks: how many
items, the largest id and the ids summed, the characters summed, how many withdrawn), its
reviews' mark (returns and 已审核: how many, the largest id), its excuses themselves, the
units and their categories, the rules, and whether its deadline has passed, the only thing
of the clock a month's state depends on. The mark is read first: an item committed after
it changes the next answer's key. Only a reader that writes nothing passes a memo (the
office's pages): a mark read inside a write transaction could name items that are then
rolled back. Without one (`NO_MEMO`: 查分, the CLI) no mark is read.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Mapping

from sqlalchemy.orm import Session

from bot.memo import NO_MEMO, Memo
from bot.summaries import MonthState, month_states
from scoring import CompletionRules, DeadlineRules, Month, deadline
from storage import queries

MonthBook = Mapping[int, MonthState]   # one month: each unit's state, by unit id


def month_books(session: Session, units: Iterable, months: Iterable[Month], now: datetime,
                drules: DeadlineRules, crules: CompletionRules,
                memo: Memo = NO_MEMO) -> dict[Month, MonthBook]:
    """Each month's states of the units given (rows with id and category): kept ones
    whose inputs have not changed, the others read and judged now."""
    months = sorted(set(months))
    if not months:
        return {}
    pairs = tuple((u.id, u.category) for u in units)
    if not memo.keeps:   # no key to make: no marks to read
        return {m: month_states(session, m, now, drules, crules, pairs) for m in months}
    first, last = str(months[0]), str(months[-1])
    marks = queries.item_marks(session, first, last)  # before what they mark
    reviews = queries.review_marks(session, first, last)
    excuses = queries.month_excuses(session, first, last)
    books = {}
    for month in months:
        key = (month, drules, crules, now >= deadline(month, drules), marks.get(str(month)),
               reviews.get(str(month)), tuple(sorted(excuses.get(str(month), {}).items())),
               pairs)
        books[month] = memo.get("month", key, lambda m=month: month_states(
            session, m, now, drules, crules, pairs))
    return books
