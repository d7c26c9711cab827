"""Who did not get what: the notices and receipts a platform did not deliver, with its
reason, for `python -m bot notices --failed` and the office console."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.people import liaison_words
from bot.worker.schedule import DIGEST, MISSED, QUARTER_RESULT, REMINDER
from bot.worker.unit_notices import KIND_WORDS as OFFICE_NOTICE_WORDS
from scoring import Quarter, month_of
from storage.models import Liaison, Notice, OutboxMessage, UndeliveredRecipient, Unit

KIND_WORDS = {REMINDER: "报送提醒", MISSED: "逾期提醒", DIGEST: "报送情况",
              QUARTER_RESULT: "季度考核结果", "manual": "报送提醒（手动）",
              **OFFICE_NOTICE_WORDS}
RECEIPT = "回执或回复"
OFFICE = "中心办公室"   # a notice to the office's group, not to a unit


@dataclass(frozen=True)
class Miss:
    """One recipient who did not get one message."""

    at: datetime
    unit: str          # the unit's name; "" when the member is bound to none
    liaison: str       # the liaison's display name, else ""
    user_id: str
    channel: str
    what: str          # the kind of message, in Chinese
    period: str        # the notice's month or quarter; "" for a receipt
    reason: str        # in Chinese, naming the platform's answer


def misses(session: Session, period: str | None = None) -> list[Miss]:
    """Every recipient a notice or a receipt did not reach, newest first.

    `period` a month ("2026-03") or a quarter ("2026Q1", its months included).
    """
    periods = _periods(period) if period else None
    found = _notice_misses(session, periods) + _receipt_misses(session, periods)
    return sorted(found, key=lambda m: m.at, reverse=True)


def _periods(period: str) -> set[str]:
    try:
        quarter = Quarter.parse(period)
    except ValueError:
        return {period}
    return {str(quarter), *(str(m) for m in quarter.months())}


def _notice_misses(session: Session, periods: set[str] | None) -> list[Miss]:
    by_notice: dict[int, list[UndeliveredRecipient]] = {}
    query = select(UndeliveredRecipient).join(Notice).order_by(UndeliveredRecipient.id)
    failed = select(Notice).where(Notice.state == "failed").order_by(Notice.id)
    if periods:
        query = query.where(Notice.period.in_(periods))
        failed = failed.where(Notice.period.in_(periods))
    for row in session.scalars(query):
        by_notice.setdefault(row.notice_id, []).append(row)
    notices = {n.id: n for n in session.scalars(failed)}
    notices.update((n.id, n) for n in session.scalars(
        select(Notice).where(Notice.id.in_(set(by_notice) - set(notices)))))
    names = _names(session, {(n.channel, u) for n in notices.values() for u in n.recipients})
    units = dict(session.execute(select(Unit.id, Unit.name)).tuples().all())
    out = []
    for notice in notices.values():
        rows = by_notice.get(notice.id)
        # A notice failed as a whole (no sender, retries used up): none of its recipients got it.
        pairs = ([(r.user_id, r.reason, r.recorded_at) for r in rows] if rows else
                 [(u, f"发送失败：{notice.error or '未知原因'}", notice.created_at)
                  for u in notice.recipients])
        for user_id, reason, at in pairs:
            liaison = names.get((notice.channel, user_id), "")
            unit = units.get(notice.unit_id, "") if notice.unit_id else OFFICE
            out.append(Miss(at=at, unit=unit, liaison=liaison, user_id=user_id,
                            channel=notice.channel,
                            what=KIND_WORDS.get(notice.kind, notice.kind),
                            period=notice.period, reason=reason))
    return out


def _receipt_misses(session: Session, periods: set[str] | None) -> list[Miss]:
    rows = session.execute(
        select(OutboxMessage, Liaison.display_name, Liaison.platform_name, Unit.name)
        .join(Liaison, and_(Liaison.channel == OutboxMessage.channel,
                            Liaison.platform_user_id == OutboxMessage.user_id), isouter=True)
        .join(Unit, Unit.id == Liaison.unit_id, isouter=True)
        .where(OutboxMessage.state == "failed").order_by(OutboxMessage.id)).all()
    out = []
    for message, name, known, unit in rows:
        month = month_of(message.created_at)
        if periods and not {str(month), str(month.quarter)} & periods:
            continue
        out.append(Miss(at=message.created_at, unit=unit or "", liaison=liaison_words(name, known, ""),
                        user_id=message.user_id, channel=message.channel, what=RECEIPT,
                        period="", reason=message.error or "未知原因"))
    return out


def _names(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The display name of each (channel, platform user id) that is a liaison."""
    users = {user for _, user in keys}
    if not users:
        return {}
    return {(channel, user): liaison_words(name, known, "") for channel, user, name, known
            in session.execute(select(Liaison.channel, Liaison.platform_user_id,
                                      Liaison.display_name, Liaison.platform_name)
        .where(Liaison.platform_user_id.in_(users))) if (channel, user) in keys}
