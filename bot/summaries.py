"""A unit's monthly summary as the rules see it: derived from stored items, never stored."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, literal, null, select, union_all
from sqlalchemy.orm import Session

from scoring import (CompletionRules, DeadlineRules, Material, Month, MonthStatus,
                     completed_at, deadline, month_status)
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


def month_states(session: Session, month: Month, now: datetime, drules: DeadlineRules,
                 crules: CompletionRules, unit_ids=None) -> dict[int, MonthState]:
    """Every active unit's (or the given units') state of one month, units without items too."""
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
            for unit_id in (unit_ids if unit_ids is not None else
                            session.scalars(select(Unit.id).where(Unit.active.is_(True))))}


def month_items(session: Session, unit_id: int, month: Month
                ) -> tuple[list[tuple[str, int, datetime]], tuple[str, str] | None]:
    """A unit's items in effect in a month as (kind, chars, sent_at), and any excuse.

    One statement on the session's connection: every message's handling loads this,
    and the ORM's execution machinery costs more than the query itself.
    """
    items, excuse = [], None
    for is_excuse, kind, chars, sent_at, reason in session.connection().execute(
            _month_rows, {"unit_id": unit_id, "month": str(month)}):
        if is_excuse:
            excuse = (kind, reason)
        else:
            items.append((kind, chars, sent_at))
    return items, excuse


# The items in effect and the excuse of one unit's month, told apart by the first column.
_month_rows = union_all(
    select(literal(0).label("is_excuse"), SummaryItem.kind, SummaryItem.chars,
           SummaryItem.sent_at, null().label("reason"))
    .where(SummaryItem.unit_id == bindparam("unit_id"),
           SummaryItem.month == bindparam("month"), SummaryItem.withdrawn_at.is_(None)),
    select(literal(1), MonthExcuse.kind, literal(0), null(), MonthExcuse.reason)
    .where(MonthExcuse.unit_id == bindparam("unit_id"),
           MonthExcuse.month == bindparam("month")))


def month_state(session: Session, unit_id: int, month: Month, now: datetime,
                drules: DeadlineRules, crules: CompletionRules) -> MonthState:
    """Load and derive one unit's month (plain rows: cheap however much was sent)."""
    items, excuse = month_items(session, unit_id, month)
    return derive_state(month, items, excuse, now, drules, crules)
