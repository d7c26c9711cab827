"""A unit's monthly summary as the rules see it: derived from stored items, never stored."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring import (CompletionRules, DeadlineRules, Material, Month, MonthStatus,
                     completed_at, deadline, month_status, open_month)
from storage import queries
from storage.models import MonthExcuse, SummaryItem, Unit


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


def derive_state(month: Month, items: list[tuple[str, int, datetime]],
                 excuse: tuple[str, str] | None, now: datetime, drules: DeadlineRules,
                 crules: CompletionRules) -> MonthState:
    """A month's state from its items in effect as (kind, chars, sent_at) and any excuse."""
    done = completed_at([Material(at, chars, 1 if kind == "photo" else 0)
                         for kind, chars, at in items], crules)
    kind, reason = excuse or (None, None)
    return MonthState(
        month=month, chars=sum(c for _, c, _ in items),
        photos=sum(1 for k, _, _ in items if k == "photo"),
        documents=sum(1 for k, _, _ in items if k == "document"),
        completed_at=done, deadline=deadline(month, drules),
        status=month_status(month, done, now, drules, waived=kind == "waived",
                            exempt=kind == "exempt"),
        excuse_reason=reason, min_chars=crules.min_chars, min_photos=crules.min_photos)


def state_from_items(month: Month, items: list[SummaryItem], excuse: MonthExcuse | None,
                     now: datetime, drules: DeadlineRules,
                     crules: CompletionRules) -> MonthState:
    """Derive a month's state from its ORM items and the office's excuse, at `now`."""
    return derive_state(month, [(i.kind, i.chars, i.sent_at) for i in items],
                        (excuse.kind, excuse.reason) if excuse else None, now, drules, crules)


def month_states(session: Session, month: Month, now: datetime, drules: DeadlineRules,
                 crules: CompletionRules) -> dict[int, MonthState]:
    """Every unit's state of one month, from two statements (units without items included)."""
    rows = defaultdict(list)
    # Plain rows, not ORM objects: thousands of units stay linear and light.
    for unit_id, kind, chars, sent_at in session.execute(
            select(SummaryItem.unit_id, SummaryItem.kind, SummaryItem.chars, SummaryItem.sent_at)
            .where(SummaryItem.month == str(month), SummaryItem.withdrawn_at.is_(None))):
        rows[unit_id].append((kind, chars, sent_at))
    excuses = {u: (k, r) for u, k, r in session.execute(
        select(MonthExcuse.unit_id, MonthExcuse.kind, MonthExcuse.reason)
        .where(MonthExcuse.month == str(month)))}
    return {unit_id: derive_state(month, rows.get(unit_id, []), excuses.get(unit_id), now,
                                  drules, crules)
            for unit_id in session.scalars(select(Unit.id).where(Unit.active.is_(True)))}


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
