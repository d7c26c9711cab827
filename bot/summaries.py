"""A unit's monthly summary as the rules see it: derived from stored items, never stored.

The database sums a month's items; whether and when the month became complete, and how it
stands, is scoring's judgement (`scoring.judge_month`), which reads the items themselves
only when their sums meet the rules.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Iterator

from sqlalchemy import (bindparam, case, cast, func, literal_column, null, select, true,
                        union_all)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.reviews import KINDS as REVIEW_KINDS
from bot.reviews import Review, in_order, month_reviews, returns, review_arm
from scoring import (CompletionRules, DeadlineRules, Fix, Material, Month, MonthStatus,
                     deadline, judge_month, month_judged, period_label, still_owed)
from storage.models import Liaison, MonthExcuse, SummaryItem, Unit, UTCDateTime
from storage.queries import LiaisonRef, UnitRef

Excuse = tuple[str, str]  # the office's (kind, reason): ("waived" | "exempt", why)


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
    period: str = ""     # the period the month's summary covers, when longer than the month
    reviews: tuple[Review, ...] = ()   # the office's returns and reviewed marks, oldest first
    fix: Fix | None = None             # the latest return, judged (None: never returned)

    @property
    def label(self) -> str:
        """2026年3月, or the period a longer summary covers: 2027年1—2月."""
        return self.period or self.month.label

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
    """What a unit's month holds, summed: its items in effect, counted, and the office's
    reviews of it (bot.reviews)."""

    chars: int = 0
    photos: int = 0
    documents: int = 0
    reviews: tuple[Review, ...] = ()

    @classmethod
    def of(cls, items: Iterable[tuple[str, int]],
           reviews: tuple[Review, ...] = ()) -> "MonthTotals":
        """Totals of items given as (kind, chars), with the month's reviews."""
        chars = photos = documents = 0
        for kind, n in items:
            chars, photos, documents = (chars + n, photos + (kind == "photo"),
                                        documents + (kind == "document"))
        return cls(chars, photos, documents, reviews)

    def plus(self, kind: str, chars: int) -> "MonthTotals":
        """These totals with one more item."""
        return MonthTotals(self.chars + chars, self.photos + (kind == "photo"),
                           self.documents + (kind == "document"), self.reviews)


def material(kind: str, chars: int, at: datetime) -> Material:
    """An item as scoring's judgement reads it."""
    return Material(at, chars, 1 if kind == "photo" else 0)


def derive_state(month: Month, totals: MonthTotals, excuse: Excuse | None,
                 materials: Iterable[Material], now: datetime, drules: DeadlineRules,
                 crules: CompletionRules, category: str = "") -> MonthState:
    """A month's state from its totals, any excuse, and its items in effect (`materials`,
    read only if the totals meet the rules: it may load them lazily), for a unit of
    `category` (which months its summary falls due in)."""
    kind, reason = excuse or (None, None)
    judged = judge_month(month, materials, now, drules, crules, waived=kind == "waived",
                         exempt=kind == "exempt", totals=(totals.chars, totals.photos),
                         category=category,
                         returns=returns(totals.reviews) if totals.reviews else ())
    return MonthState(
        month=month, chars=totals.chars, photos=totals.photos, documents=totals.documents,
        completed_at=judged.completed_at, deadline=deadline(month, drules),
        status=judged.status, excuse_reason=reason, min_chars=crules.min_chars,
        min_photos=crules.min_photos,
        period="" if drules.every_for(category) == 1 else period_label(month, category, drules),
        reviews=totals.reviews, fix=judged.fix)


def month_states(session: Session, month: Month, now: datetime, drules: DeadlineRules,
                 crules: CompletionRules,
                 units: Iterable[tuple[int, str]] | None = None) -> dict[int, MonthState]:
    """Every active unit's (or the given (id, category) units') state of one month, units
    without items too."""
    rows = defaultdict(list)
    # The table's columns, not the mapped class's: plain Core rows, with no ORM loading per
    # row (thousands of units stay linear and light).
    for unit_id, kind, chars, sent_at in session.execute(
            select(_SI.unit_id, _SI.kind, _SI.chars, _SI.sent_at)
            .where(_SI.month == str(month), _IN_EFFECT)):
        rows[unit_id].append((kind, chars, sent_at))
    excuses, reviews = {}, defaultdict(tuple)   # one statement: the office's excuses and reviews
    for unit_id, kind, reason, at in session.execute(union_all(
            select(MonthExcuse.unit_id, MonthExcuse.kind, MonthExcuse.reason, _NO_TIME)
            .where(MonthExcuse.month == str(month)), month_reviews(str(month)))):
        if kind in REVIEW_KINDS:
            reviews[unit_id] = in_order((*reviews[unit_id], Review(kind, at, reason)))
        else:
            excuses[unit_id] = (kind, reason)
    if units is None:
        units = session.execute(select(Unit.id, Unit.category).where(Unit.active.is_(True)))
    states = {}
    for unit_id, category in units:
        items = rows.get(unit_id, ())
        totals = MonthTotals.of(((kind, chars) for kind, chars, _ in items),
                                reviews.get(unit_id, ()))
        states[unit_id] = derive_state(month, totals, excuses.get(unit_id),
                                       [material(*item) for item in items], now, drules,
                                       crules, category)
    return states


def month_materials(conn: Connection, unit_id: int, month: Month) -> list[Material]:
    """A unit's items in effect in a month, one by one."""
    return [material(kind, chars, at) for kind, chars, at in conn.execute(
        _ITEMS, {"unit_id": unit_id, "month": str(month)})]


def stored_materials(conn: Connection, unit_id: int, month: Month) -> Iterator[Material]:
    """`month_materials`, loaded only when first read."""
    yield from month_materials(conn, unit_id, month)


def months_totals(conn: Connection, unit_id: int, first: Month, last: Month
                  ) -> dict[Month, tuple[MonthTotals, Excuse | None]]:
    """A unit's months from `first` to `last`, each summed, with any excuse.

    The database sums, in one statement: a row per month however much was sent (and one
    per excuse), so every message's handling stays light as months fill.
    """
    return _added_up(first, last, conn.execute(_MONTHS, {
        "unit_id": unit_id, "first": str(first), "last": str(last)}))


def sender_months(conn: Connection, channel: str, user_id: str, first: Month, last: Month
                  ) -> tuple[LiaisonRef | None, dict[Month, tuple[MonthTotals,
                                                              Excuse | None]]]:
    """A platform user's liaison record with its unit, and the unit's months from `first`
    to `last` (as `months_totals`), in one statement: every message needs both first.

    Each row is the sender joined to one of its unit's month rows; an unknown sender has
    no row, one without a unit or months a row with no month.
    """
    liaison, months = None, []
    for row in conn.execute(_SENDER_MONTHS, {"channel": channel, "user_id": user_id,
                                             "first": str(first), "last": str(last)}):
        if liaison is None:
            unit = (UnitRef(row.unit_id, row.name, row.category, row.created_at)
                    if row.unit_id is not None else None)
            liaison = LiaisonRef(row.id, channel, user_id, unit, row.backfill_month,
                                 row.backfill_set_at)
        if row.month is not None:
            months.append(row)
    if liaison is None or liaison.unit is None:
        return liaison, {}
    return liaison, _added_up(first, last, months)


def _added_up(first: Month, last: Month, rows
              ) -> dict[Month, tuple[MonthTotals, Excuse | None]]:
    """Every month from `first` to `last`, each row added to its month: its items' sums,
    or the office's excuse or review."""
    if last < first:
        raise ValueError(f"{last} is before {first}")
    found: dict[Month, tuple[MonthTotals, Excuse | None]] = {}
    by_key: dict[str, Month] = {}
    month = first
    while month <= last:
        found[month], by_key[str(month)] = (MonthTotals(), None), month
        month = month.next()
    for row in rows:
        month = by_key[row.month]
        totals, excuse = found[month]
        reviews = totals.reviews
        if row.kind in REVIEW_KINDS:
            reviews = in_order((*reviews, Review(row.kind, row.at, row.reason)))
        elif row.kind:
            excuse = (row.kind, row.reason)
        found[month] = (MonthTotals(totals.chars + row.chars, totals.photos + row.photos,
                                    totals.documents + row.documents, reviews), excuse)
    return found


def month_state(reader: Session | Connection, unit_id: int, month: Month, now: datetime,
                drules: DeadlineRules, crules: CompletionRules) -> MonthState:
    """Load and derive one unit's month (sums first: cheap however much was sent)."""
    conn = reader.connection() if isinstance(reader, Session) else reader
    totals, excuse = months_totals(conn, unit_id, month, month)[month]
    category = conn.execute(select(Unit.category).where(Unit.id == unit_id)).scalar_one()
    return derive_state(month, totals, excuse, stored_materials(conn, unit_id, month), now,
                        drules, crules, category)


_SI = SummaryItem.__table__.c
_IN_EFFECT = _SI.withdrawn_at.is_(None)


def _count_of(kind: str):
    """1 for an item of this kind, else 0: what sums count (constants written in the SQL)."""
    return case((_SI.kind == literal_column(f"'{kind}'"), literal_column("1")),
                else_=literal_column("0"))


_ZERO = literal_column("0")
_NO_TIME = cast(null(), UTCDateTime()).label("at")   # typed: PostgreSQL's UNION needs it


def _month_rows(unit_id):
    """A unit's month rows from bindparams `first` to `last`: per month, its items' sums
    (chars, photos, documents), per excuse its kind and reason, per review its kind,
    reason and time."""
    # A range of months, not IN: the index then reads only these months' items.
    span = (bindparam("first"), bindparam("last"))
    return union_all(
        select(_SI.month, func.sum(_SI.chars).label("chars"),
               func.sum(_count_of("photo")).label("photos"),
               func.sum(_count_of("document")).label("documents"),
               null().label("kind"), null().label("reason"), _NO_TIME)
        .where(_SI.unit_id == unit_id, _SI.month.between(*span), _IN_EFFECT)
        .group_by(_SI.month),
        select(MonthExcuse.month, _ZERO, _ZERO, _ZERO, MonthExcuse.kind, MonthExcuse.reason,
               _NO_TIME)
        .where(MonthExcuse.unit_id == unit_id, MonthExcuse.month.between(*span)),
        review_arm(unit_id, *span, _ZERO, _ZERO, _ZERO))


_MONTHS = _month_rows(bindparam("unit_id"))
_SENDER = (Liaison.channel == bindparam("channel"),
           Liaison.platform_user_id == bindparam("user_id"))
_SENDERS_MONTHS = _month_rows(
    select(Liaison.unit_id).where(*_SENDER).scalar_subquery()).subquery("month_rows")
_SENDER_MONTHS = (
    select(Liaison.id, Liaison.unit_id, Liaison.backfill_month, Liaison.backfill_set_at,
           Unit.name, Unit.category, Unit.created_at, *_SENDERS_MONTHS.c)
    .select_from(Liaison).outerjoin(Unit, Unit.id == Liaison.unit_id)
    .outerjoin(_SENDERS_MONTHS, true()).where(*_SENDER))
_ITEMS = select(_SI.kind, _SI.chars, _SI.sent_at).where(
    _SI.unit_id == bindparam("unit_id"), _SI.month == bindparam("month"), _IN_EFFECT)


def owed_months(unit: UnitRef, first: Month, last: Month, now: datetime,
                drules: DeadlineRules, crules: CompletionRules,
                totals: Callable[[Month], tuple[MonthTotals, Excuse | None]],
                materials: Callable[[Month], Iterable[Material]] = lambda month: ()
                ) -> list[Month]:
    """The months from `first` to `last` the unit still owes at `now`, oldest first;
    `totals` gives a month's totals and excuse (asked only for months judged for the unit),
    `materials` its items (read only for a month the office returned)."""
    while first <= last and not month_judged(deadline(first, drules), unit.registered_at):
        first = first.next()  # a new unit owes nothing from before: nothing to load
    owed, month = [], first
    while month <= last:
        summed, excuse = totals(month)
        kind = excuse[0] if excuse else None
        if still_owed(month, summed.chars, summed.photos, now, unit.registered_at, drules,
                      crules, waived=kind == "waived", exempt=kind == "exempt",
                      category=unit.category,
                      returns=returns(summed.reviews) if summed.reviews else (),
                      materials=materials(month)):
            owed.append(month)
        month = month.next()
    return owed
