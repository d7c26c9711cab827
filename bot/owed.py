"""Earlier months a unit still owes, and moving a liaison's misfiled items to one of them.

Every receipt asks which earlier months of the backfill window are still owed: the
months' sums and excuses say it, no completion instant (a month's totals alone say
whether it is complete, scoring.still_owed).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.summaries import Excuse, MonthTotals
from scoring import (CompletionRules, DeadlineRules, Month, deadline, month_judged,
                     still_owed)
from storage.models import InboundMessage, SummaryItem
from storage.queries import LiaisonRef, UnitRef


def window_start(open_month: Month, backfill_months: int) -> Month:
    """The oldest month 补交 reaches back to from the open month."""
    oldest = open_month
    for _ in range(backfill_months):
        oldest = oldest.prev()
    return oldest


def owed_months(unit: UnitRef, first: Month, last: Month, now: datetime,
                drules: DeadlineRules, crules: CompletionRules,
                totals: Callable[[Month], tuple[MonthTotals, Excuse | None]]) -> list[Month]:
    """The months from `first` to `last` the unit still owes at `now`, oldest first;
    `totals` gives a month's totals and excuse (asked only for months judged for the unit)."""
    while first <= last and not month_judged(deadline(first, drules), unit.registered_at):
        first = first.next()  # a new unit owes nothing from before: nothing to load
    owed, month = [], first
    while month <= last:
        summed, excuse = totals(month)
        kind = excuse[0] if excuse else None
        if still_owed(month, summed.chars, summed.photos, now, unit.registered_at, drules,
                      crules, waived=kind == "waived", exempt=kind == "exempt"):
            owed.append(month)
        month = month.next()
    return owed


def refile(session: Session, liaison: LiaisonRef, month: Month, now: datetime,
           window: timedelta) -> tuple[list[tuple[SummaryItem, Month]], list[SummaryItem]]:
    """Move to `month` the liaison's items from the first message of the last `window`
    whose receipt named `month` as owed, and every item sent since (each keeps its send
    time). Returns (moved, kept): each moved item with the month it came from; a photo
    `month` already holds stays where it was (kept).

    The caller audits the moves and reloads the months they touched.
    """
    messages = session.execute(
        select(InboundMessage.id, InboundMessage.payload)
        .where(InboundMessage.channel == liaison.channel,
               InboundMessage.platform_user_id == liaison.platform_user_id,
               InboundMessage.received_at >= now - window)
        .order_by(InboundMessage.received_at, InboundMessage.id)).all()
    start = next((i for i, (_, payload) in enumerate(messages)
                  if str(month) in (payload or {}).get("owed", ())), None)
    if start is None:
        return [], []
    items = session.scalars(
        select(SummaryItem)
        .where(SummaryItem.inbound_id.in_([row_id for row_id, _ in messages[start:]]),
               SummaryItem.unit_id == liaison.unit.id, SummaryItem.month > str(month))
        .order_by(SummaryItem.sent_at, SummaryItem.id)).all()
    held = set(session.scalars(select(SummaryItem.file_id).where(
        SummaryItem.unit_id == liaison.unit.id, SummaryItem.month == str(month),
        SummaryItem.kind == "photo", SummaryItem.withdrawn_at.is_(None))))
    moved, kept = [], []
    for item in items:
        if item.kind == "photo" and item.withdrawn_at is None and item.file_id in held:
            kept.append(item)  # the same photo twice in a month counts once
            continue
        moved.append((item, Month.parse(item.month)))
        item.month = str(month)
    session.flush()
    return moved, kept

