"""Appeals (申诉): a liaison's appeal about a unit's month, and the office's decision —
waive the month (through the waiver path, bot/office/entries.set_excuse) or keep the
judgement — each with its reason. Every step is audited; the decision is told to the
unit's liaisons through the notices' sent-log (bot/worker/unit_notices.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot import audit
from bot.office import entries
from bot.rules import Rules
from bot.summaries import month_state
from bot.worker.unit_notices import APPEAL_DECIDED, tell_unit
from scoring import Month, MonthStatus, local
from storage.models import Appeal, Unit

OPEN, WAIVED, KEPT = "open", "waived", "kept"
STATE_WORDS = {OPEN: "待处理", WAIVED: "已豁免", KEPT: "维持原判定"}
DECISIONS = {"waive": WAIVED, "keep": KEPT}
MAX_TEXT = 2000


class AppealRefused(ValueError):
    """A decision the rules do not allow; the message says why, in Chinese."""


def file_appeal(session: Session, unit_id: int, liaison_id: int | None, month: Month,
                text: str, *, at: datetime, actor: str) -> Appeal:
    """Store a liaison's appeal about a month, audited as theirs."""
    row = Appeal(unit_id=unit_id, liaison_id=liaison_id, month=str(month),
                 text=text[:MAX_TEXT], created_at=at, state=OPEN)
    session.add(row)
    session.flush()
    audit.record(session, at, actor, audit.APPEAL_FILED, row.id, None,
                 {"month": str(month), "text": row.text}, unit_id=unit_id)
    return row


def open_count(reader: Session | Connection) -> int:
    """How many appeals wait for the office's decision."""
    return reader.scalar(select(func.count()).select_from(Appeal).where(Appeal.state == OPEN))


def decide(session: Session, appeal: Appeal, *, decision: str, reason: str, at: datetime,
           actor: str, rules: Rules) -> Appeal:
    """Decide an open appeal: 'waive' waives its month (the waiver path, audited there
    too), 'keep' keeps the judgement; audited, and the liaisons are told."""
    reason = (reason or "").strip()
    if appeal.state != OPEN:
        raise AppealRefused(f"申诉 #{appeal.id} 已经处理过了（{STATE_WORDS[appeal.state]}）。")
    if decision not in DECISIONS or not reason:
        raise AppealRefused("请选择豁免或维持原判定，并写明理由。")
    unit = session.get(Unit, appeal.unit_id)
    month = Month.parse(appeal.month)
    if decision == "waive":
        state = month_state(session, unit.id, month, at, rules.deadline, rules.completion)
        if state.status is MonthStatus.EXEMPT:
            raise AppealRefused(f"{month.label}已免报，不扣分，无需豁免。")
        try:
            entries.set_excuse(session, unit, month, kind="waived",
                               reason=f"申诉 #{appeal.id}：{reason}", at=at, actor=actor)
        except entries.EntryRefused as exc:
            raise AppealRefused(str(exc)) from None
    appeal.state, appeal.decision_reason = DECISIONS[decision], reason
    appeal.decided_at, appeal.decided_by = at, actor
    audit.record(session, at, actor, audit.APPEAL_DECIDED[appeal.state], appeal.id,
                 {"state": OPEN}, {"month": appeal.month, "state": appeal.state,
                                   "reason": reason}, unit_id=unit.id)
    tell_unit(session, unit.id, APPEAL_DECIDED, appeal.month, f"appeal:{appeal.id}",
              decision_notice(unit.name, month, appeal, reason), at)
    return appeal


def decision_notice(unit_name: str, month: Month, appeal: Appeal, reason: str) -> str:
    """What the liaisons read when their appeal is decided."""
    head = (f"【申诉处理结果】您对「{unit_name}」{month.label}的申诉"
            f"（{local(appeal.created_at):%Y-%m-%d %H:%M} 提交）已处理：")
    if appeal.state == WAIVED:
        return head + f"中心办公室决定豁免该月，该月不再扣分。\n理由：{reason}"
    return (head + f"中心办公室决定维持原判定。\n理由：{reason}\n"
            "如有疑问，请联系中心办公室。")
