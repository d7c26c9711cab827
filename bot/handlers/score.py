"""查分 / 查分 2026Q1 / 年度: the unit's running score, item by item, with its rank."""
from __future__ import annotations

import re
from datetime import datetime

from bot import scores
from bot.handlers.context import Context
from bot.handlers.texts import deadline_text
from bot.messages import Incoming, Reply
from bot.office.results import ScoreRow, YearResult
from scoring import Quarter, Rubric, month_of
from scoring.assessment import BY_HAND, NOT_ASSESSED, QUARTER_NAMES
from scoring.numbers import fmt

QUARTER_PATTERN = re.compile(r"^查分\s*[:：]?\s*(?P<arg>.*)$")
YEAR_PATTERN = re.compile(r"^年度\s*[:：]?\s*(?P<arg>\d{4})?\s*(年)?$")


def handle_quarter(msg: Incoming, ctx: Context) -> list[Reply]:
    """Answer 查分 with the current or a named quarter."""
    arg = QUARTER_PATTERN.match(msg.text).group("arg").strip()
    current = month_of(ctx.now).quarter
    try:
        quarter = Quarter.parse(arg) if arg else current
    except ValueError:
        return [Reply("季度的写法是 2026Q1（或 2026年第一季度），例如：查分 2026Q1。")]
    if quarter > current:
        return [Reply(f"{quarter.label}还没有开始，发送「查分」查看本季度得分。")]
    row = scores.unit_quarter(ctx.session, ctx.unit, quarter, ctx.now, ctx.rules)
    return [Reply(quarter_text(row, quarter, ctx.now, ctx.rules.rubric.for_quarter(quarter)))]


def quarter_text(row: ScoreRow, quarter: Quarter, now: datetime, rubric: Rubric) -> str:
    """The score breakdown a liaison reads."""
    result = row.result
    if not row.assessed:
        return (f"{row.unit_name} {quarter.label}未纳入考核（{row.assessment.reason}），"
                "没有得分和排名。")
    running = "" if scores.quarter_has_ended(quarter, now) else "，季度未结束，得分随报送和录入变化"
    by_hand = result.by_hand
    lines = [f"{row.unit_name} {quarter.label}考核得分（截至 {deadline_text(now)}{running}）",
             f"总分 {fmt(result.total)} / {fmt(result.standard)}（{fmt(result.percent)}%）"
             f"{'，' + BY_HAND if by_hand else ''}，"
             f"{_category(rubric, row.category)}第 {row.rank} 名 / 共 {row.of} 个"]
    if by_hand:
        lines.append(f"本季度总分由中心办公室{BY_HAND}，不逐项计分。原因：{by_hand.reason}")
    for item_id, item in result.items.items():
        if item.pending:
            continue
        line = f"{item_id} {item.title} {fmt(item.score)}/{fmt(item.max)}"
        if item.score != item.max and item.why:
            line += f"：{item.why}"
        lines.append(line)
    pending = [f"{i} {result.items[i].title}" for i in result.pending]
    if pending:
        lines.append("待中心办公室录入（暂按0分计）：" + "、".join(pending))
    return "\n".join(lines)


def _category(rubric: Rubric, category: str) -> str:
    known = rubric.categories.get(category)
    return known.title if known else category


def _quarter_names(quarters) -> str:
    """第一、二季度 for 2026Q1 and 2026Q2."""
    return "第" + "、".join(QUARTER_NAMES[q.q - 1] for q in sorted(quarters)) + "季度"


def _reasons(result: YearResult) -> str:
    """Why the year's quarters left out were left out, each reason once."""
    return "；".join(dict.fromkeys(result.not_assessed.values()))


def _not_assessed(result: YearResult) -> str:
    """第一、二季度未纳入（单位于2026年7月登记）."""
    return f"{_quarter_names(result.not_assessed)}{NOT_ASSESSED}（{_reasons(result)}）"


def handle_year(msg: Incoming, ctx: Context) -> list[Reply]:
    """Answer 年度 with the running annual score."""
    arg = YEAR_PATTERN.match(msg.text).group("arg")
    year = int(arg) if arg else month_of(ctx.now).year
    if year > month_of(ctx.now).year:
        return [Reply(f"{year}年还没有开始。")]
    row = scores.unit_year(ctx.session, ctx.unit, year, ctx.now, ctx.rules)
    result = row.result
    if not result.score.quarters and not result.not_assessed:
        return [Reply(f"{year}年还没有结束的季度，年度得分要等第一季度结束后才有。"
                      "发送「查分」查看本季度得分。")]
    if not row.assessed:
        if len(result.not_assessed) == 4:
            return [Reply(f"{row.unit_name} {year}年各季度均未纳入考核（{_reasons(result)}），"
                          "没有年度得分和排名。")]
        return [Reply(f"{row.unit_name} {year}年已结束的季度都未纳入考核：{_not_assessed(result)}。"
                      "年度得分要等纳入考核的季度结束后才有，发送「查分」查看本季度得分。")]
    per_quarter = "，".join(
        f"{q.label.split('年', 1)[1]} {fmt(total)}"
        f"{'（' + BY_HAND + '）' if q in result.by_hand else ''}"
        for q, total in result.quarter_totals.items())
    lines = [f"{row.unit_name} {result.label}考核得分",
             f"季度平均 {fmt(result.mean)} + 加分 {fmt(result.bonus)} − 扣分 {fmt(result.deductions)}"
             f" = {fmt(result.total)}",
             f"各季度：{per_quarter}"]
    if result.not_assessed:
        lines.append(_not_assessed(result) + "，不计入平均")
    lines.append(f"{_category(ctx.rules.rubric.for_year(year), row.category)}第 {row.rank} 名"
                 f" / 共 {row.of} 个")
    return [Reply("\n".join(lines))]
