"""The score tables as xlsx, one sheet per category laid out like the rules' table and
ready to print: a title, the rubric version that scored it, the items grouped under their
考核内容 with each group's subtotal (bot/tables.py), the units ranked with their 序号;
landscape, fitted to the page's width, the header rows repeated on every page."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from bot import tables
from bot.office import cells
from bot.office.results import ScoreRow
from scoring import Rubric
from scoring.numbers import fmt

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEAD = ("序号", "排名", "单位")
QUARTER_TAIL = ("总分", "标准分", "得分率%", "待录入项", "备注")


def _number(value: Any) -> Any:
    """A figure as a number cell; a word stays text."""
    try:
        return float(value) if isinstance(value, str) and value and value not in ("是", "否") \
            else value
    except ValueError:
        return value


def _members(rows: list[ScoreRow], category: str) -> list[ScoreRow]:
    return [r for r in tables.ranked(rows, [category]) if r.category == category]


def quarter_xlsx(rows: list[ScoreRow], rubric: Rubric, title: str, path: Path) -> None:
    """One sheet per category of the rubric: 序号, rank, unit, the items group by group
    (each with its maximum) and the groups' subtotals, total, standard, %, pending, note."""
    book = Workbook()
    book.remove(book.active)
    for category, declared in rubric.categories.items():
        members = _members(rows, category)
        if not members:
            continue
        groups = tables.groups(rubric, category)
        columns = [c for _, group in groups for c in group]
        sheet = book.create_sheet(declared.title)
        width = len(LEAD) + len(columns) + len(QUARTER_TAIL)
        _heading(sheet, f"{title}（{declared.title}）", tables.version_line(rubric), width)
        header = [*LEAD, *(f"{c.title}（{fmt(c.top)}分）" for c in columns), *QUARTER_TAIL]
        cells.append(sheet, [*LEAD, *(None if n else f"{group_title}（{fmt(tables.top(group))}分）"
                                      for group_title, group in groups
                                      for n, _ in enumerate(group)), *QUARTER_TAIL])
        cells.append(sheet, header)
        col = len(LEAD) + 1
        for _, group in groups:
            if len(group) > 1:
                sheet.merge_cells(start_row=3, start_column=col, end_row=3,
                                  end_column=col + len(group) - 1)
            col += len(group)
        for n in [*range(1, len(LEAD) + 1), *range(col, width + 1)]:
            sheet.merge_cells(start_row=3, start_column=n, end_row=4, end_column=n)
        for number, row in enumerate(members, start=1):
            r = row.result
            cells.append(sheet, [number, tables.rank(row), row.unit_name,
                                 *(_number(tables.points(c.score(row))) for c in columns),
                                 _number(tables.total(r.total)), _number(fmt(r.standard)),
                                 _number(tables.points(r.percent)),
                                 "、".join(f"{i} {r.items[i].title}" for i in r.pending),
                                 tables.note(row)])
        _printable(sheet, width, header_rows=2)
    book.save(path)


def year_xlsx(rows: list[ScoreRow], rubric: Rubric, title: str, path: Path) -> None:
    """One sheet per category with the year's figures, the quarters named 第一季度 …"""
    header, body = tables.year_rows(rows, rubric)
    book = Workbook()
    book.remove(book.active)
    titles = {c: k.title for c, k in rubric.categories.items()}
    ordered = tables.ranked(rows, rubric.categories)
    for category, name in titles.items():
        members = [b[1:-1] for b, r in zip(body, ordered) if r.category == category]
        if not members:
            continue
        sheet = book.create_sheet(name)
        _heading(sheet, f"{title}（{name}）", tables.version_line(rubric), len(header) - 1)
        cells.append(sheet, ["序号", *header[1:-1]])
        for number, row in enumerate(members, start=1):
            rank, unit, *rest = row   # a unit's name stays text, even "123"
            cells.append(sheet, [number, rank, unit, *map(_number, rest)])
        _printable(sheet, len(header) - 1, header_rows=1)
    book.save(path)


def _heading(sheet, title: str, version: str, width: int) -> None:
    for n, text in enumerate((title, version), start=1):
        cells.append(sheet, [text])
        sheet.merge_cells(start_row=n, start_column=1, end_row=n, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet["A2"].alignment = Alignment(horizontal="center")


def _printable(sheet, width: int, header_rows: int) -> None:
    """Borders, bold header rows; landscape A4 fitted to the width, header rows repeated."""
    last_header = 2 + header_rows
    for row in sheet.iter_rows(min_row=3, max_row=sheet.max_row, max_col=width):
        for cell in row:
            cell.border = BOX
            if cell.row <= last_header:
                cell.font = Font(bold=True)
                cell.alignment = CENTRE
    sheet.row_dimensions[last_header].height = 60
    for n in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(n)].width = \
            {1: 5, 2: 5, 3: 20}.get(n, 9)
    sheet.freeze_panes = f"D{last_header + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"3:{last_header}"
    sheet.print_options.horizontalCentered = True
