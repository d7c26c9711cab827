"""The evidence pack's sheets of a unit's assessment (in its 回执清单.xlsx), in the words of
the rubric version in force for the quarter: 考核得分, the quarter as scored when the pack
was made, item by item under its group (考核内容), each with its maximum, its score and
why, a subtotal per group of more than one item, the total; and 考核事实, what the office
entered of the facts that count for the unit's category, by the rubric's labels."""
from __future__ import annotations

from typing import Any, Mapping

from bot.office.fact_fields import loaded, shown, unit_fields
from bot.office.results import ScoreRow
from bot.tables import groups, version_line
from scoring import Rubric
from scoring.numbers import fmt

SCORE_HEADER = ["考核内容", "考核项目", "满分", "得分", "说明"]
FACT_HEADER = ["考核事实", "录入值"]
NOT_ENTERED = "未录入"


def score_rows(row: ScoreRow, version: Rubric) -> list[list]:
    """The 考核得分 sheet's rows: the items of the unit's category, group by group."""
    result = row.result
    if not row.assessed:
        return [["", "", "", "", f"未纳入考核（{row.assessment.reason}）"], _version(version)]
    rows = []
    for title, columns in groups(version, row.category):
        for column in columns:
            score = column.score(result)
            item = None if column.subtotal else result.items.get(column.items[0])
            rows.append([title, column.title, fmt(column.top),
                         "" if score is None else fmt(score), item.why if item else ""])
    by_hand = f"{result.note}：{result.by_hand.reason}" if result.by_hand else ""
    rows.append(["合计", "", fmt(result.standard), fmt(result.total),
                 "；".join(filter(None, (f"{fmt(result.percent)}%", by_hand)))])
    return [*rows, _version(version)]


def _version(version: Rubric) -> list[str]:
    return ["", "", "", "", version_line(version)]


def fact_rows(values: Mapping[str, Any], version: Rubric, category: str) -> list[list]:
    """The 考核事实 sheet's rows: each fact the office enters (through the console's form or
    the spreadsheet) that counts for the category, in the rubric's order, as entered."""
    entered = {f.key: f for source in ("office", "import")
               for f in unit_fields(version, category, source)}
    order = list(version.facts)
    return [[f.label, shown(f, loaded(f, values.get(f.fact))) or NOT_ENTERED]
            for f in sorted(entered.values(), key=lambda f: order.index(f.fact))]
