"""A unit's monthly summary as the rules see it: derived from stored items, never stored."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from scoring import (CompletionRules, DeadlineRules, Material, Month, MonthStatus,
                     completed_at, deadline, month_status, open_month)
from storage import queries
from storage.models import MonthExcuse, SummaryItem


@dataclass(frozen=True)
class MonthState:
    """What a unit has for one month and what it means at a given time."""

    month: Month
    chars: int
    photos: int
    documents: int
    completed_at: datetime | None
    deadline: datetime
    status: MonthStatus
    excuse_reason: str | None
    min_chars: int
    min_photos: int

    @property
    def complete(self) -> bool:
        return self.completed_at is not None

    @property
    def missing_chars(self) -> int:
        return max(0, self.min_chars - self.chars)

    @property
    def missing_photos(self) -> int:
        return max(0, self.min_photos - self.photos)


def materials(items: list[SummaryItem]) -> list[Material]:
    """The items in effect as the calendar's materials."""
    return [Material(at=i.sent_at, chars=i.chars, photos=1 if i.kind == "photo" else 0)
            for i in items]


def state_from_items(month: Month, items: list[SummaryItem], excuse: MonthExcuse | None,
                     now: datetime, drules: DeadlineRules,
                     crules: CompletionRules) -> MonthState:
    """Derive a month's state from its items and the office's excuse, at `now`."""
    done = completed_at(materials(items), crules)
    status = month_status(month, done, now, drules,
                          waived=bool(excuse and excuse.kind == "waived"),
                          exempt=bool(excuse and excuse.kind == "exempt"))
    return MonthState(
        month=month,
        chars=sum(i.chars for i in items),
        photos=sum(1 for i in items if i.kind == "photo"),
        documents=sum(1 for i in items if i.kind == "document"),
        completed_at=done, deadline=deadline(month, drules), status=status,
        excuse_reason=excuse.reason if excuse else None,
        min_chars=crules.min_chars, min_photos=crules.min_photos)


def month_state(session: Session, unit_id: int, month: Month, now: datetime,
                drules: DeadlineRules, crules: CompletionRules) -> MonthState:
    """Load and derive one unit's month."""
    items = queries.month_items(session, unit_id, str(month))
    return state_from_items(month, items, queries.excuse(session, unit_id, str(month)),
                            now, drules, crules)


def unit_open_month(session: Session, unit_id: int, now: datetime, drules: DeadlineRules,
                    crules: CompletionRules) -> Month:
    """The month new materials go to by default (DESIGN.md's open-month rule)."""
    def settled(m: Month) -> bool:
        state = month_state(session, unit_id, m, now, drules, crules)
        return state.complete or state.status in (MonthStatus.WAIVED, MonthStatus.EXEMPT)

    return open_month(now, settled, drules)
