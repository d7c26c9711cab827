"""A unit's months as the unit page shows their reviews (退回, 已审核) and appeals (申诉),
with scoring's judgement of each month's latest return."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.review_words import fix_words, last_day
from bot.reviews import RETURNED
from bot.rules import Rules
from bot.summaries import month_state
from scoring import Fix, Month
from storage.models import Appeal, MonthReview, Unit


@dataclass
class MonthReviewView:
    """What the unit page shows of a month's reviews and appeals."""

    reviews: list = field(default_factory=list)   # MonthReview rows, oldest first
    appeals: list = field(default_factory=list)   # Appeal rows, oldest first
    fix: Fix | None = None                        # the latest return, as scoring judged it
    fix_text: str = ""
    last_day: str = ""

    @property
    def open_return(self) -> bool:
        return self.fix is not None and not self.fix.fixed


def review_views(session: Session, unit: Unit, months: list[Month], at: datetime,
                 rules: Rules) -> dict[str, MonthReviewView]:
    """Each month's reviews, appeals and the judgement of its latest return."""
    views = {str(m): MonthReviewView() for m in months}
    for row in session.scalars(select(MonthReview).where(
            MonthReview.unit_id == unit.id, MonthReview.month.in_(list(views)))
            .order_by(MonthReview.at, MonthReview.id)):
        views[row.month].reviews.append(row)
    for row in session.scalars(select(Appeal).where(
            Appeal.unit_id == unit.id, Appeal.month.in_(list(views)))
            .order_by(Appeal.created_at, Appeal.id)):
        views[row.month].appeals.append(row)
    for month in months:
        view = views[str(month)]
        if any(r.kind == RETURNED for r in view.reviews):
            state = month_state(session, unit.id, month, at, rules.deadline,
                                rules.completion)
            if state.fix is not None:
                view.fix, view.fix_text = state.fix, fix_words(state.fix, at)
                view.last_day = last_day(state.fix)
    return views
