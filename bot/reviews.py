"""The office's reviews of a unit's month as every reader gets them: the returns (退回)
that scoring.judge_month judges, and the latest word (returned or reviewed) receipts,
状态, the unit page and the evidence pack show. Stored in month_reviews; written only by
bot/office/reviews.py."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, NamedTuple

from sqlalchemy import select

from storage.models import MonthReview

RETURNED, REVIEWED = "returned", "reviewed"
KINDS = (RETURNED, REVIEWED)


class Review(NamedTuple):
    """One review of a month: its kind, when, and (a return's) reason."""

    kind: str
    at: datetime
    reason: str = ""


def in_order(reviews: Iterable[Review]) -> tuple[Review, ...]:
    """The reviews oldest first."""
    return tuple(sorted(reviews, key=lambda r: r.at))


def returns(reviews: Iterable[Review]) -> tuple[datetime, ...]:
    """When the month was returned, oldest first: what scoring.judge_month reads."""
    return tuple(sorted(r.at for r in reviews if r.kind == RETURNED))


def latest(reviews: Iterable[Review], kind: str | None = None) -> Review | None:
    """The latest review (of a kind), or None."""
    found = [r for r in reviews if kind is None or r.kind == kind]
    return max(found, key=lambda r: r.at) if found else None


def review_arm(unit_id, first, last, *zeros):
    """A unit's month reviews as rows of bot.summaries' month statement: (month, the
    `zeros` for its sums, kind, reason, at)."""
    return (select(MonthReview.month, *zeros, MonthReview.kind, MonthReview.reason,
                   MonthReview.at)
            .where(MonthReview.unit_id == unit_id, MonthReview.month.between(first, last)))


def month_reviews(month: str):
    """Every unit's reviews of one month as rows (unit_id, kind, reason, at), for
    bot.summaries' statement of the month's excuses and reviews."""
    return select(MonthReview.unit_id, MonthReview.kind, MonthReview.reason,
                  MonthReview.at).where(MonthReview.month == month)
