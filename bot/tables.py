"""Score tables for people, laid out like the rules' table: per category the items grouped
under their 考核内容 (the rubric's groups), each group with its subtotal, the item names in
the header, the units ranked; and the flat tables of every unit (terminal, CSV) sorted the
same way, JSON. The xlsx files: bot/score_sheets.py. Every table names the rubric version
that scored it."""
from __future__ import annotations

import io
import json
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from bot.office import cells
from bot.office.results import QuarterResult, ScoreRow, YearResult
from scoring import Quarter, Rubric
from scoring.assessment import BY_HAND, NOT_ASSESSED, QUARTER_NAMES
from scoring.numbers import fmt

SUBTOTAL = "小计"


@dataclass(frozen=True)
class Column:
    """One score column of a category's table: an item, or a group's subtotal."""

    group: str
    title: str            # 1.1 年度活动计划一览表, or 小计
    top: Decimal          # the item's maximum, or the group's for the category
    items: tuple[str, ...]  # the item, or the group's items the subtotal adds up

    @property
    def subtotal(self) -> bool:
        return self.title == SUBTOTAL

    def score(self, result: QuarterResult) -> Decimal | None:
        """A quarter result's score in this column; None when it has none (not assessed,
        entered by hand)."""
        found = [result.items[i].score for i in self.items if i in result.items]
        return sum(found, Decimal(0)) if found else None


def item_title(rubric: Rubric, item: str) -> str:
    return f"{item} {rubric.item_title(item)}"


def groups(rubric: Rubric, category: str) -> list[tuple[str, list[Column]]]:
    """(the group's title, its columns) for each group with items that apply to the
    category, in rubric order; a group of more than one item ends with its subtotal."""
    applicable = rubric.applicable(category)
    out = []
    for group in rubric.groups:
        items = [i for i in applicable if rubric.item[i].group == group.id]
        if not items:
            continue
        columns = [Column(group.id, item_title(rubric, i), rubric.item_max(i), (i,))
                   for i in items]
        if len(items) > 1:
            columns.append(Column(group.id, SUBTOTAL, sum(c.top for c in columns), tuple(items)))
        out.append((group.title, columns))
    return out


def top(group: list[Column]) -> Decimal:
    """A group's maximum for the category: its items' maxima added up."""
    return sum((c.top for c in group if not c.subtotal), Decimal(0))


def quarter_columns(category: str, rubric: Rubric) -> list[Column]:
    """A category's score columns, group by group."""
    return [c for _, columns in groups(rubric, category) for c in columns]


def version_line(rubric: Rubric) -> str:
    """What a table says of the rubric that scored it."""
    document = f"，{rubric.scheme.document}" if rubric.scheme.document else ""
    return f"评分细则：{rubric.label}{document}"


def ranked(rows: list[ScoreRow], category_order) -> list[ScoreRow]:
    """Category by category (in the rubric's order), the ranked units first by rank, then
    the others; as the web page lists them."""
    order = {c: n for n, c in enumerate(category_order)}
    return sorted(rows, key=lambda r: (order.get(r.category, len(order)), r.rank is None,
                                       r.rank or 0, r.unit_id))


def note(row: ScoreRow) -> str:
    """A quarter row's note: 未纳入：<reason>, 手工录入：<reason>, or nothing."""
    by_hand = row.result.by_hand
    return f"{row.note}：{by_hand.reason}" if by_hand else row.note


def year_note(result: YearResult) -> str:
    """Which quarters of a year were entered by hand or left out, and why."""
    parts = [f"{quarter_name(q)}{BY_HAND}" for q in result.by_hand]
    parts += [f"{quarter_name(q)}{NOT_ASSESSED}：{why}" for q, why in result.not_assessed.items()]
    return "；".join(parts)


def quarter_name(quarter: Quarter) -> str:
    """第一季度 … 第四季度."""
    return f"第{QUARTER_NAMES[quarter.q - 1]}季度"


def year_columns(rows: list[ScoreRow]) -> list[Quarter]:
    """The quarters any unit's year counts or leaves out, in order: the year's columns."""
    return sorted({q for row in rows
                   for q in (*row.result.quarter_totals, *row.result.not_assessed)})


def rank(row: ScoreRow):
    return "" if row.rank is None else row.rank


def points(value) -> str:
    return "" if value is None else fmt(value)


def total(value) -> str:
    return NOT_ASSESSED if value is None else fmt(value)


def quarter_cell(result: YearResult, quarter: Quarter) -> str:
    if quarter in result.quarter_totals:
        return fmt(result.quarter_totals[quarter])
    return NOT_ASSESSED if quarter in result.not_assessed else ""


def quarter_rows(rows: list[ScoreRow], rubric: Rubric) -> tuple[list[str], list[list]]:
    """A flat table of every unit, sorted by category and rank: category, rank, unit, each
    item (named), total, standard, percent, pending, a note (未纳入 or 手工录入 with its
    reason) and the rubric version."""
    present = {r.category for r in rows}
    items = [i.id for i in rubric.items
             if any(i.id in rubric.applicable(c) for c in present if c in rubric.categories)]
    header = ["类别", "排名", "单位", *(item_title(rubric, i) for i in items), "总分", "标准分",
              "得分率%", "待录入", "备注", "评分细则"]
    titles = {c: k.title for c, k in rubric.categories.items()}
    body = []
    for row in ranked(rows, rubric.categories):
        r = row.result
        body.append([titles.get(row.category, row.category), rank(row), row.unit_name,
                     *(fmt(r.items[i].score) if i in r.items else "" for i in items),
                     total(r.total), fmt(r.standard), points(r.percent),
                     " ".join(r.pending), note(row), rubric.label])
    return header, body


def year_rows(rows: list[ScoreRow], rubric: Rubric) -> tuple[list[str], list[list]]:
    """A flat table of the year, sorted by category and rank: each quarter (第一季度 …),
    mean, bonus, deductions, total, provisional, note, the rubric version."""
    quarters = year_columns(rows)
    header = ["类别", "排名", "单位", *map(quarter_name, quarters), "季度平均", "加分", "扣分",
              "年度得分", "暂定", "备注", "评分细则"]
    titles = {c: k.title for c, k in rubric.categories.items()}
    body = [[titles.get(row.category, row.category), rank(row), row.unit_name,
             *(quarter_cell(row.result, q) for q in quarters),
             points(row.result.mean), fmt(row.result.bonus), fmt(row.result.deductions),
             total(row.result.total), "是" if row.result.provisional else "否",
             year_note(row.result), rubric.label] for row in ranked(rows, rubric.categories)]
    return header, body


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def terminal(header: list[str], body: list[list]) -> str:
    """Aligned columns, CJK counted double-width; control characters shown, never run."""
    rows = [[cells.terminal_text(str(c)) for c in row] for row in [header, *body]]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths)).rstrip()
                     for row in rows)


def to_csv(header: list[str], body: list[list]) -> str:
    """CSV text (written to files with a BOM, so Excel opens the Chinese right)."""
    out = io.StringIO()
    cells.write_csv(out, [header, *body])
    return out.getvalue()


def to_json(rows: list[ScoreRow]) -> str:
    """Every unit's full result, with rank."""
    return json.dumps([{"unit": cells.well_formed(r.unit_name), "category": r.category,
                        "rank": r.rank, "of": r.of, **r.result.as_dict()} for r in rows],
                      ensure_ascii=False, indent=2)
