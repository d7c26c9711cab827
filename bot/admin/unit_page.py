"""A unit's page: its liaisons and binding codes, each month's summary with the photos and
their flags, the files refused that month (kept as evidence for a while), and the
quarter's score item by item."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot import scores
from bot.admin.web import bp, memo, now, rules, services, unit_of_work
from bot.office.flags import photo_flags, photo_index
from bot.office.grid import Cell, month_grid
from bot.office.month_reviews import review_views
from bot.office.results import ScoreRow
from bot.people import with_channel, words_of
from scoring import Month, Quarter, deadline, month_of
from storage.models import (BindingCode, InboundMessage, Liaison, MonthExcuse, RejectedFile,
                            SummaryItem, Unit)


@dataclass
class MonthView:
    """What the page shows of one month."""

    month: Month
    cell: Cell
    deadline: object
    excuse: MonthExcuse | None
    texts: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    photos: list = field(default_factory=list)
    rejected: list = field(default_factory=list)   # RejectedFile rows: refused, kept a while

    @property
    def chars(self) -> int:
        return sum(i.chars for i in self.texts + self.documents if i.withdrawn_at is None)


# The quarters a page may be asked for: the pages link to the quarter before and after.
QUARTER_YEARS = range(2000, 2100)


def chosen_quarter(text: str | None, default: Quarter) -> Quarter:
    """A quarter from a query argument, else (also for one beyond 2000-2099) the default."""
    try:
        chosen = Quarter.parse(text) if text else default
    except ValueError:
        return default
    return chosen if chosen.year in QUARTER_YEARS else default


def unit_score(session, unit: Unit, quarter: Quarter, at) -> ScoreRow | None:
    """The unit's quarter score with its rank; None for a unit no longer assessed."""
    try:
        return scores.unit_quarter(session, unit, quarter, at, rules(), memo())
    except LookupError:
        return None


def load_unit(session, unit_id: int) -> Unit:
    """The unit or a 404."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


def month_views(session, unit: Unit, months: list[Month], at) -> tuple[list[MonthView], list]:
    """Each month's cell, excuse and items (withdrawn ones too: they are evidence)."""
    grid = month_grid(session, [unit], months, at, rules(), memo())
    excuses = {e.month: e for e in session.scalars(select(MonthExcuse).where(
        MonthExcuse.unit_id == unit.id, MonthExcuse.month.in_([str(m) for m in months])))}
    views = {str(m): MonthView(m, grid[(unit.id, str(m))], deadline(m, rules().deadline),
                               excuses.get(str(m))) for m in months}
    items = session.scalars(
        select(SummaryItem).options(selectinload(SummaryItem.file))
        .where(SummaryItem.unit_id == unit.id, SummaryItem.month.in_(list(views)))
        .order_by(SummaryItem.sent_at, SummaryItem.id)).all()
    for item in items:
        view = views[item.month]
        {"text": view.texts, "document": view.documents, "photo": view.photos}.get(
            item.kind, view.texts).append(item)
    for refused in session.scalars(
            select(RejectedFile).where(RejectedFile.unit_id == unit.id,
                                       RejectedFile.month.in_(list(views)))
            .order_by(RejectedFile.sent_at, RejectedFile.id)):
        views[refused.month].rejected.append(refused)
    return [views[str(m)] for m in months], items


def receipt_times(session, items: list[SummaryItem]) -> dict[int, datetime | None]:
    """The items that count at their receipt because the platform's own send time was not
    plausible (scoring.counted_send_time): item id -> what the platform said (None: nothing)."""
    inbound_ids = [i.inbound_id for i in items if i.inbound_id is not None]
    said = dict(session.execute(select(InboundMessage.id, InboundMessage.sent_at).where(
        InboundMessage.id.in_(inbound_ids),
        InboundMessage.channel.in_(list(rules().send_time)))).all())
    return {i.id: said[i.inbound_id] for i in items
            if i.inbound_id in said and said[i.inbound_id] != i.sent_at}


@bp.get("/units/<int:unit_id>")
def unit_page(unit_id: int):
    """Everything about one unit in one quarter."""
    at = now()
    current = month_of(at)
    quarter = min(chosen_quarter(request.args.get("quarter"), current.quarter),
                  current.quarter)
    months = [m for m in quarter.months() if m <= current]
    with unit_of_work() as uow:
        session = uow.session
        unit = load_unit(session, unit_id)
        views, items = month_views(session, unit, months, at)
        flags = photo_flags(session, [i for i in items if i.withdrawn_at is None],
                            photo_index(session, memo()))
        receipts = receipt_times(session, items)
        liaisons = session.scalars(select(Liaison).where(Liaison.unit_id == unit.id)
                                   .order_by(Liaison.id)).all()
        senders = {i.liaison_id for i in items} | {r.liaison_id for v in views
                                                   for r in v.rejected}
        names = {lz.id: with_channel(words_of(lz), lz.channel)
                 for lz in session.scalars(select(Liaison).where(
                     Liaison.id.in_(senders - {None})))}
        codes = session.scalars(select(BindingCode).where(
            BindingCode.unit_id == unit.id, BindingCode.used_at.is_(None),
            BindingCode.expires_at > at).order_by(BindingCode.id.desc())).all()
        others = session.execute(select(Unit.id, Unit.name).where(
            Unit.active.is_(True), Unit.id != unit.id).order_by(Unit.id)).all()
        score = unit_score(session, unit, quarter, at)
        reviews = review_views(session, unit, months, at, rules())
    return render_template(
        "admin/unit.html", unit=unit, quarter=quarter, months=views, flags=flags,
        receipt_times=receipts, liaisons=liaisons, liaison_names=names, codes=codes,
        others=others, score=score, reviews=reviews,
        keep_rejected=timedelta(days=services().config.files.keep_rejected_days),
        earlier=quarter.prev(), later=quarter.next() if quarter < current.quarter else None,
        now=at)
