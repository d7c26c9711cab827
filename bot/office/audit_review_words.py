"""The audit log's sentences for reviews and appeals (bot/audit.py's 审核与申诉): a month
returned with its reason and its fix-by day, marked reviewed, an appeal filed and decided.
Each wording reads an entry as bot.office.audit_sentences.Seen shows it."""
from __future__ import annotations

from typing import Callable

from bot import audit
from bot.office.audit_words import period


def _day(text: str) -> str:
    return text[:10] if text else ""


def _returned(s) -> str:
    text = f"退回{s.unit}{s.period}的小结，原因：{s.new['reason']}"
    if s.new.get("last_day"):
        text += f"；{_day(s.new['last_day'])}（含当日）前补交的按原完成时间计"
    return text


def _appeal_filed(s) -> str:
    return f"就{s.unit}{period(s.new['month'])}提出申诉（#{s.key}）：{s.new['text']}"


def _decided(verdict: str) -> Callable:
    def wording(s) -> str:
        return (f"处理{s.unit}{period(s.new['month'])}的申诉（#{s.key}）：{verdict}，"
                f"原因：{s.new['reason']}")
    return wording


WORDINGS: dict[audit.Change, Callable] = {
    audit.MONTH_RETURNED: _returned,
    audit.MONTH_REVIEWED: lambda s: f"将{s.unit}{s.period}的小结标记为已审核",
    audit.APPEAL_FILED: _appeal_filed,
    audit.APPEAL_DECIDED["waived"]: _decided("豁免该月"),
    audit.APPEAL_DECIDED["kept"]: _decided("维持原判定"),
}
