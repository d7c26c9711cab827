"""Score tables for people: a terminal table, CSV, XLSX laid out like the rules' table, JSON."""
from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.office import cells
from bot.office.results import ScoreRow, YearResult
from scoring import Quarter, Rubric
from scoring.assessment import BY_HAND, NOT_ASSESSED
from scoring.numbers import fmt
from scoring.words import CATEGORY_TITLES, ITEM_TITLES


def quarter_columns(category: str, params: Rubric) -> list[str]:
    """The item ids that apply to a category, in rubric order."""
    return list(params.applicable(category))


def quarter_rows(rows: list[ScoreRow], params: Rubric) -> tuple[list[str], list[list]]:
    """A flat table of every unit: category, rank, items, total, standard, percent, pending,
    and a note (未纳入 with its reason, 手工录入 with its reason)."""
    items = list(params.applicable("key"))
    header = ["类别", "排名", "单位", *items, "总分", "标准分", "得分率%", "待录入", "备注"]
    body = []
    for row in rows:
        r = row.result
        body.append([CATEGORY_TITLES.get(row.category, row.category), _rank(row), row.unit_name,
                     *(fmt(r.items[i].score) if i in r.items else "" for i in items),
                     _total(r.total), fmt(r.standard), _points(r.percent),
                     " ".join(r.pending), note(row)])
    return header, body


def note(row: ScoreRow) -> str:
    """A quarter row's note: 未纳入：<reason>, 手工录入：<reason>, or nothing."""
    by_hand = row.result.by_hand
    return f"{row.note}：{by_hand.reason}" if by_hand else row.note


def year_note(result: YearResult) -> str:
    """Which quarters of a year were entered by hand or left out, and why."""
    parts = [f"{q}{BY_HAND}" for q in result.by_hand]
    parts += [f"{q}{NOT_ASSESSED}：{why}" for q, why in result.not_assessed.items()]
    return "；".join(parts)


def year_columns(rows: list[ScoreRow]) -> list[Quarter]:
    """The quarters any unit's year counts or leaves out, in order: the year's columns."""
    return sorted({q for row in rows
                   for q in (*row.result.quarter_totals, *row.result.not_assessed)})


def _rank(row: ScoreRow):
    return "" if row.rank is None else row.rank


def _points(value) -> str:
    return "" if value is None else fmt(value)


def _total(total) -> str:
    return NOT_ASSESSED if total is None else fmt(total)


def _quarter_cell(result: YearResult, quarter: Quarter) -> str:
    if quarter in result.quarter_totals:
        return fmt(result.quarter_totals[quarter])
    return NOT_ASSESSED if quarter in result.not_assessed else ""


def year_rows(rows: list[ScoreRow]) -> tuple[list[str], list[list]]:
    """A flat table of the year: quarters, mean, bonus, deductions, total, note."""
    quarters = year_columns(rows)
    header = ["类别", "排名", "单位", *map(str, quarters), "季度平均", "加分", "扣分",
              "年度得分", "暂定", "备注"]
    body = [[CATEGORY_TITLES.get(row.category, row.category), _rank(row), row.unit_name,
             *(_quarter_cell(row.result, q) for q in quarters),
             _points(row.result.mean), fmt(row.result.bonus), fmt(row.result.deductions),
             _total(row.result.total), "是" if row.result.provisional else "否",
             year_note(row.result)] for row in rows]
    return header, body


def _ranked_first(rank) -> tuple:
    return (rank == "" or rank is None, rank or 0)


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


def quarter_xlsx(rows: list[ScoreRow], params: Rubric, title: str, path: Path) -> None:
    """One sheet per category: rank, unit, each item (with its maximum), total, %, pending."""
    book = Workbook()
    book.remove(book.active)
    for category, name in CATEGORY_TITLES.items():
        members = sorted((r for r in rows if r.category == category),
                         key=lambda r: _ranked_first(r.rank))
        if not members:
            continue
        items = quarter_columns(category, params)
        header = ["排名", "单位",
                  *(f"{i} {ITEM_TITLES[i]}（{fmt(params.item_max(i))}分）" for i in items),
                  "总分", "标准分", "得分率%", "待录入项", "备注"]
        sheet = book.create_sheet(name)
        _titled(sheet, f"{title}（{name}）", header)
        for row in members:
            r = row.result
            cells.append(sheet, [_rank(row), row.unit_name,
                                 *(_number(fmt(r.items[i].score)) if i in r.items else None
                                   for i in items),
                                 _number(_total(r.total)), _number(fmt(r.standard)),
                                 _number(_points(r.percent)),
                                 "、".join(f"{i} {r.items[i].title}" for i in r.pending),
                                 note(row)])
    book.save(path)


def year_xlsx(rows: list[ScoreRow], title: str, path: Path) -> None:
    """One sheet per category with the year's figures."""
    header, body = year_rows(rows)
    book = Workbook()
    book.remove(book.active)
    for category, name in CATEGORY_TITLES.items():
        members = [b[1:] for b, r in zip(body, rows) if r.category == category]
        if not members:
            continue
        sheet = book.create_sheet(name)
        _titled(sheet, f"{title}（{name}）", header[1:])
        for row in sorted(members, key=lambda b: _ranked_first(b[0])):
            rank, unit, *rest = row   # a unit's name stays text, even "123"
            cells.append(sheet, [rank, unit, *map(_number, rest)])
    book.save(path)


def _number(cell):
    try:
        return float(cell) if isinstance(cell, str) and cell and cell not in ("是", "否") else cell
    except ValueError:
        return cell


def _titled(sheet, title: str, header: list[str]) -> None:
    cells.append(sheet, [title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    cells.append(sheet, header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.row_dimensions[2].height = 48
    for n in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(n)].width = 22 if n == 2 else 11
    sheet.freeze_panes = "C3"
