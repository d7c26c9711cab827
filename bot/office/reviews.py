"""The office's review of a unit's month: return it (退回) with a reason, or mark it
reviewed (已审核). Each is one month_reviews row and one audit entry; a return also tells
the unit's liaisons at once, through the notices' sent-log (bot/worker/unit_notices.py).

The console writes reviews only through these functions; what a return means for the
month is scoring's (scoring.judge_month, with bot/reviews.py's rows)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot import audit
from bot.handlers.texts import month_word
from bot.review_words import last_day, reason_text
from bot.reviews import RETURNED, REVIEWED, latest
from bot.rules import Rules
from bot.summaries import MonthState, month_state
from bot.worker.unit_notices import RETURNED as RETURNED_NOTICE
from bot.worker.unit_notices import tell_unit
from scoring import Fix, Month, MonthStatus, filing_month, fix_deadline, local, month_of
from storage.models import MonthReview, Unit


class ReviewRefused(ValueError):
    """A review the rules do not allow; the message says why, in Chinese."""


def _checked_state(session: Session, unit: Unit, month: Month, at: datetime,
                   rules: Rules) -> MonthState:
    if month > month_of(at):
        raise ReviewRefused(f"{month.label}还没到，不能审核。")
    state = month_state(session, unit.id, month, at, rules.deadline, rules.completion)
    if state.status is MonthStatus.NOT_DUE:
        raise ReviewRefused(f"{month.label}不单独报送小结，请审核所在报送期的最后一个月。")
    if state.status is MonthStatus.EXEMPT:
        raise ReviewRefused(f"{month.label}已免报，无需审核。")
    if not (state.chars or state.photos or state.documents):
        raise ReviewRefused(f"「{unit.name}」{month.label}还没有收到材料，无需审核。")
    return state


def return_month(session: Session, unit: Unit, month: Month, *, reasons: list[str],
                 note: str, at: datetime, actor: str, rules: Rules) -> MonthReview:
    """Return a unit's month with its reason (picked reasons and a note); audited, and
    the unit's liaisons are told the reason and by when to fix it."""
    reason = reason_text(reasons, note)
    if not reason:
        raise ReviewRefused("请选择退回原因，或写明具体原因。")
    state = _checked_state(session, unit, month, at, rules)
    if state.fix is not None and not state.fix.fixed:
        raise ReviewRefused(f"「{unit.name}」{month.label}已退回，联络员还没有补交。")
    row = MonthReview(unit_id=unit.id, month=str(month), kind=RETURNED, reasons=list(reasons),
                      reason=reason, at=at, by=actor)
    session.add(row)
    session.flush()
    fix = Fix(at, fix_deadline(at, rules.deadline))
    day = local(fix.fix_by - timedelta(microseconds=1)).date()
    audit.record(session, at, actor, audit.MONTH_RETURNED, f"{unit.id}:{month}", None,
                 {"reasons": list(reasons), "reason": reason, "last_day": day.isoformat()},
                 unit_id=unit.id)
    direct = month == filing_month(month_of(at), unit.category, rules.deadline)
    tell_unit(session, unit.id, RETURNED_NOTICE, str(month), f"returned:{row.id}",
              return_notice(unit.name, month, reason, fix, at, direct), at)
    return row


def return_notice(unit_name: str, month: Month, reason: str, fix: Fix, now: datetime,
                  direct: bool) -> str:
    """What the liaisons read when their month is returned."""
    word = month_word(month, now)
    how = ("直接发送修改后的文字或图片即可" if direct else
           f"先发送「补交 {word}」，再发送修改后的文字或图片")
    return (f"【小结退回】「{unit_name}」{month.label}的小结被中心办公室退回。\n"
            f"原因：{reason}\n"
            f"请在{last_day(fix)}（含当日）前补交：{how}。按期补交的，仍按原完成时间计；"
            "逾期补交的，按补交时间计。\n"
            f"发送「状态」可查看该月情况；如有异议，可发送「申诉 {word} 理由」。")


def mark_reviewed(session: Session, unit: Unit, month: Month, *, at: datetime, actor: str,
                  rules: Rules) -> MonthReview:
    """Mark a unit's month reviewed (已审核), audited; a return not yet fixed comes first."""
    state = _checked_state(session, unit, month, at, rules)
    if state.fix is not None and not state.fix.fixed:
        raise ReviewRefused(f"「{unit.name}」{month.label}已退回、尚未补交，不能标记为已审核。")
    word = latest(state.reviews)
    if word is not None and word.kind == REVIEWED:
        raise ReviewRefused(f"「{unit.name}」{month.label}已经标记为已审核。")
    row = MonthReview(unit_id=unit.id, month=str(month), kind=REVIEWED, reasons=[], reason="",
                      at=at, by=actor)
    session.add(row)
    session.flush()
    audit.record(session, at, actor, audit.MONTH_REVIEWED, f"{unit.id}:{month}", None, {},
                 unit_id=unit.id)
    return row
