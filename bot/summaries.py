"""A unit's monthly summary as the rules see it: derived from stored items, never stored."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import and_, bindparam, case, func, literal_column, null, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from scoring import (CompletionRules, DeadlineRules, Material, Month, MonthStatus,
                     completed_at, deadline, month_status)
from storage.direct import DirectStatement
from storage.models import Liaison, MonthExcuse, SummaryItem, Unit
from storage.queries import LiaisonRef, UnitRef


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


@dataclass(frozen=True)
class MonthTotals:
    """What a unit's month holds, in a few numbers: enough to judge it.

    `completed_at` is the first instant the items together met the completion rules
    they were counted under; `last_at` the newest item's time.
    """

    chars: int = 0
    photos: int = 0
    documents: int = 0
    completed_at: datetime | None = None
    last_at: datetime | None = None

    @classmethod
    def of(cls, items: Iterable[tuple[str, int, datetime]], crules: CompletionRules
           ) -> "MonthTotals":
        """Totals of items in effect as (kind, chars, sent_at)."""
        items = list(items)
        return cls(chars=sum(c for _, c, _ in items),
                   photos=sum(1 for k, _, _ in items if k == "photo"),
                   documents=sum(1 for k, _, _ in items if k == "document"),
                   completed_at=completed_at([Material(at, chars, 1 if kind == "photo" else 0)
                                              for kind, chars, at in items], crules),
                   last_at=max((at for _, _, at in items), default=None))

    def plus(self, kind: str, chars: int, at: datetime, crules: CompletionRules
             ) -> "MonthTotals | None":
        """These totals with one more item; None if it is older than the newest one.

        An item sent after all the others cannot move an earlier completion, and
        completes the month at its own time if it is what tips it over. An older one
        could, so the caller loads the month again instead.
        """
        if self.last_at is not None and at < self.last_at:
            return None
        photos = self.photos + (kind == "photo")
        chars_total = self.chars + chars
        done = self.completed_at
        if done is None and chars_total >= crules.min_chars and photos >= crules.min_photos:
            done = at
        return MonthTotals(chars=chars_total, photos=photos,
                           documents=self.documents + (kind == "document"),
                           completed_at=done, last_at=at)


def derive_state(month: Month, totals: MonthTotals, excuse: tuple[str, str] | None,
                 now: datetime, drules: DeadlineRules, crules: CompletionRules) -> MonthState:
    """A month's state from its totals and any excuse (kind, reason)."""
    kind, reason = excuse or (None, None)
    done = totals.completed_at
    return MonthState(
        month=month, chars=totals.chars, photos=totals.photos, documents=totals.documents,
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
    return {unit_id: derive_state(month, MonthTotals.of(rows.get(unit_id, []), crules),
                                  excuses.get(unit_id), now, drules, crules)
            for unit_id in (unit_ids if unit_ids is not None else
                            session.scalars(select(Unit.id).where(Unit.active.is_(True))))}


def month_item_rows(conn: Connection, unit_id: int, month: Month
                    ) -> list[tuple[str, int, datetime]]:
    """A unit's items in effect in a month as (kind, chars, sent_at), one by one."""
    return [tuple(row) for row in conn.execute(
        select(SummaryItem.kind, SummaryItem.chars, SummaryItem.sent_at).where(
            SummaryItem.unit_id == unit_id, SummaryItem.month == str(month),
            SummaryItem.withdrawn_at.is_(None)))]


def month_totals(session: Session, unit_id: int, month: Month, crules: CompletionRules
                 ) -> tuple[MonthTotals, tuple[str, str] | None]:
    """A unit's month in numbers, and any excuse (kind, reason)."""
    return months_totals(session.connection(), unit_id, (month,), crules)[month]


def months_totals(conn: Connection, unit_id: int, months: tuple[Month, ...],
                  crules: CompletionRules
                  ) -> dict[Month, tuple[MonthTotals, tuple[str, str] | None]]:
    """One or two of a unit's months in numbers, each with any excuse (kind, reason).

    The database sums: one statement, a row or two per month however much was sent;
    only for a month whose sums meet the rules does it look for the instant they were
    first met. Every message's handling stays light as months fill.
    """
    return _totals(months, _month_rows.rows(conn, {
        "unit_id": unit_id, **_month_params(months, crules)}))


def sender_months(conn: Connection, channel: str, user_id: str, months: tuple[Month, ...],
                  crules: CompletionRules
                  ) -> tuple[LiaisonRef | None, dict[Month, tuple[MonthTotals,
                                                              tuple[str, str] | None]]]:
    """A platform user's liaison record, and one or two months of its unit (as
    `months_totals`), in one statement: every message needs both first."""
    liaison, rows = None, []
    for row in _sender_months.rows(conn, {"channel": channel, "user_id": user_id,
                                          **_month_params(months, crules)}):
        if row[0] == _SENDER_TAG:
            _, backfill, liaison_id, unit_id, _, _, backfill_at, registered, name, category = row
            unit = (UnitRef(unit_id, name, category, registered) if unit_id is not None
                    else None)
            liaison = LiaisonRef(liaison_id, channel, user_id, unit, backfill, backfill_at)
        else:
            rows.append(row)
    if liaison is None or liaison.unit is None:
        return liaison, {}
    return liaison, _totals(months, rows)


def _month_params(months: tuple[Month, ...], crules: CompletionRules) -> dict:
    if not 1 <= len(months) <= 2 or months[-1] not in (months[0], months[0].next()):
        raise ValueError("one month, or two consecutive months, at a time")
    return {"m1": str(months[0]), "m2": str(months[-1]), "min_chars": crules.min_chars,
            "min_photos": crules.min_photos}


def _totals(months: tuple[Month, ...], rows
            ) -> dict[Month, tuple[MonthTotals, tuple[str, str] | None]]:
    found = {m: (MonthTotals(), None) for m in months}
    by_key = {str(m): m for m in months}
    for is_excuse, key, n, chars, photos, documents, last, done, kind, reason in rows:
        month = by_key[key]
        totals, excuse = found[month]
        if is_excuse:
            excuse = (kind, reason)
        elif n:
            totals = MonthTotals(chars=chars, photos=photos, documents=documents,
                                 completed_at=done, last_at=last)
        found[month] = (totals, excuse)
    return found


# Constants written into the SQL, not sent as parameters with every execution.
_0, _1 = literal_column("0"), literal_column("1")
_SENDER_TAG = -1  # the first column of the sender's row in `_sender_months`
_SENDER = literal_column(str(_SENDER_TAG))
_SI = SummaryItem.__table__.c


def _is_kind(kind_column, kind: str):
    """1 for an item of this kind, else 0: what sums count."""
    return case((kind_column == literal_column(f"'{kind}'"), _1), else_=_0)


_IS_PHOTO = _is_kind(_SI.kind, "photo")
_IS_DOCUMENT = _is_kind(_SI.kind, "document")


def _first_met(unit_id):
    """The first send time at which the running sums of the unit's month (the month of
    the enclosing query's group) met the rules."""
    item = SummaryItem.__table__.alias("item")
    running = dict(order_by=item.c.sent_at, rows=(None, 0))
    is_photo = _is_kind(item.c.kind, "photo")
    items = (select(item.c.sent_at,
                    func.sum(item.c.chars).over(**running).label("chars_so_far"),
                    func.sum(is_photo).over(**running).label("photos_so_far"))
             .where(item.c.unit_id == unit_id, item.c.month == _SI.month,
                    item.c.withdrawn_at.is_(None))
             .correlate(SummaryItem.__table__)
             .subquery())
    return (select(func.min(items.c.sent_at))
            .where(items.c.chars_so_far >= bindparam("min_chars"),
                   items.c.photos_so_far >= bindparam("min_photos"))
            .scalar_subquery())


def _month_selects(unit_id):
    """Per month of two: the sums and the excuse, told apart by the first column.

    A month whose sums meet the rules also gets the instant they were first met (the
    `completed` column); the database looks for it only then."""
    # A range, not IN: the index then reads only these months' items, however many
    # months the unit has sent (the two months are consecutive, or one month twice).
    first, last = bindparam("m1"), bindparam("m2")
    met = and_(func.sum(_SI.chars) >= bindparam("min_chars"),
               func.sum(_IS_PHOTO) >= bindparam("min_photos"))
    return (
        select(_0.label("is_excuse"), _SI.month, func.count().label("n"),
               func.sum(_SI.chars), func.sum(_IS_PHOTO), func.sum(_IS_DOCUMENT),
               func.max(_SI.sent_at).label("last_at"),
               case((met, _first_met(unit_id)), else_=null()).label("completed"),
               null().label("kind"), null().label("reason"))
        .where(_SI.unit_id == unit_id, _SI.month.between(first, last),
               _SI.withdrawn_at.is_(None))
        .group_by(_SI.month),
        select(_1, MonthExcuse.month, _0, _0, _0, _0, null(), null(), MonthExcuse.kind,
               MonthExcuse.reason)
        .where(MonthExcuse.unit_id == unit_id, MonthExcuse.month.between(first, last)))


_month_rows = DirectStatement(union_all(*_month_selects(bindparam("unit_id"))))

_SENDER_WHERE = (Liaison.channel == bindparam("channel"),
                 Liaison.platform_user_id == bindparam("user_id"))
# The sender's row first (its columns laid over the month rows' ones), then its
# unit's months.
_sender_months = DirectStatement(union_all(
    select(_SENDER, Liaison.backfill_month, Liaison.id, Liaison.unit_id, _0, _0,
           Liaison.backfill_set_at, Unit.created_at, Unit.name, Unit.category)
    .outerjoin(Unit, Unit.id == Liaison.unit_id).where(*_SENDER_WHERE),
    *_month_selects(select(Liaison.unit_id).where(*_SENDER_WHERE).scalar_subquery())))


def month_state(session: Session, unit_id: int, month: Month, now: datetime,
                drules: DeadlineRules, crules: CompletionRules) -> MonthState:
    """Load and derive one unit's month (plain rows: cheap however much was sent)."""
    totals, excuse = month_totals(session, unit_id, month, crules)
    return derive_state(month, totals, excuse, now, drules, crules)
