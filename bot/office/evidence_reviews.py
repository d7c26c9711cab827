"""The evidence pack's sheet of reviews and appeals (审核与申诉): every return with its
reason, each fix as scoring judged it, every 已审核 mark, every appeal and its decision,
in time order, for one unit's months."""
from __future__ import annotations

from datetime import datetime

from bot.office.month_reviews import review_views
from bot.rules import Rules
from scoring import Month, local

HEADER = ["时间", "月份", "事项", "内容", "经办"]


def _time(t: datetime | None) -> str:
    return local(t).strftime("%Y-%m-%d %H:%M:%S") if t else ""


def _who(actor: str | None) -> str:
    kind, _, rest = (actor or "").partition(":")
    return {"admin": f"后台用户 {rest}", "cli": f"命令行用户 {rest}"}.get(kind, actor or "")


def review_rows(session, unit, months: list[Month], now: datetime, rules: Rules) -> list[list]:
    """The sheet's rows for the unit's months, oldest first."""
    rows = []
    for month, view in zip(months, review_views(session, unit, months, now, rules).values()):
        for r in view.reviews:
            if r.kind == "returned":
                rows.append([r.at, month.label, "退回", r.reason, _who(r.by)])
            else:
                rows.append([r.at, month.label, "已审核", "", _who(r.by)])
        if view.fix is not None and view.fix.fixed:
            rows.append([view.fix.fixed_at, month.label, "补交",
                         f"{view.last_day}（含当日）前补交按原完成时间计；{view.fix_text}",
                         "联络员"])
        for a in view.appeals:
            rows.append([a.created_at, month.label, f"申诉 #{a.id}", a.text, "联络员"])
            if a.decided_at is not None:
                verdict = "豁免该月" if a.state == "waived" else "维持原判定"
                rows.append([a.decided_at, month.label, f"申诉 #{a.id} 处理",
                             f"{verdict}，理由：{a.decision_reason}", _who(a.decided_by)])
    rows.sort(key=lambda row: row[0])
    return [[_time(row[0]), *row[1:]] for row in rows]
