"""The score tables as xlsx, one sheet per category laid out like the rules' table and
ready to print: a title, the rubric version that scored it, the items grouped under their
考核内容 with each group's subtotal (bot/tables.py), the units ranked with their 序号;
landscape, fitted to the page's width, the header rows repeated on every page.

Each sheet is written row by row (openpyxl's write-only mode: at 2,000 units no sheet is
held in memory), every cell in one of the workbook's named styles (a style given once,
not a border and a font per cell)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from bot import tables
from bot.office import cells
from bot.office.results import ScoreRow
from scoring import Rubric
from scoring.numbers import fmt

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
STYLES = {"表题": {"font": Font(bold=True, size=14), "alignment": Alignment(horizontal="center")},
          "细则": {"alignment": Alignment(horizontal="center")},
          "表头": {"font": Font(bold=True), "alignment": CENTRE, "border": BOX},
          "表格": {"border": BOX}}     # the named styles of a workbook, by name
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


def _book() -> Workbook:
    book = Workbook(write_only=True)
    for name, style in STYLES.items():
        book.add_named_style(NamedStyle(name, **style))   # each workbook its own
    return book


def quarter_xlsx(rows: list[ScoreRow], rubric: Rubric, title: str, path: Path) -> None:
    """One sheet per category of the rubric: 序号, rank, unit, the items group by group
    (each with its maximum) and the groups' subtotals, total, standard, %, pending, note."""
    book = _book()
    for category, declared in rubric.categories.items():
        members = _members(rows, category)
        if not members:
            continue
        groups = tables.groups(rubric, category)
        columns = [c for _, group in groups for c in group]
        width = len(LEAD) + len(columns) + len(QUARTER_TAIL)
        sheet = _sheet(book, declared.title, width, header_rows=2)
        col = len(LEAD) + 1
        for _, group in groups:
            if len(group) > 1:
                _merge(sheet, 3, col, 3, col + len(group) - 1)
            col += len(group)
        for n in [*range(1, len(LEAD) + 1), *range(col, width + 1)]:
            _merge(sheet, 3, n, 4, n)
        _heading(sheet, f"{title}（{declared.title}）", tables.version_line(rubric), width)
        sheet.append(_row(sheet, "表头", [
            *LEAD, *(None if n else f"{group_title}（{fmt(tables.top(group))}分）"
                     for group_title, group in groups for n, _ in enumerate(group)),
            *QUARTER_TAIL]))
        sheet.append(_row(sheet, "表头", [*LEAD, *(f"{c.title}（{fmt(c.top)}分）" for c in columns),
                                        *QUARTER_TAIL]))
        for number, row in enumerate(members, start=1):
            r = row.result
            sheet.append(_row(sheet, "表格", [
                number, tables.rank(row), row.unit_name,
                *(_number(tables.points(c.score(r))) for c in columns),
                _number(tables.total(r.total)), _number(fmt(r.standard)),
                _number(tables.points(r.percent)),
                "、".join(f"{i} {r.items[i].title}" for i in r.pending), tables.note(row)]))
    book.save(path)


def year_xlsx(rows: list[ScoreRow], rubric: Rubric, title: str, path: Path) -> None:
    """One sheet per category with the year's figures, the quarters named 第一季度 …"""
    header, body = tables.year_rows(rows, rubric)
    book = _book()
    titles = {c: k.title for c, k in rubric.categories.items()}
    ordered = tables.ranked(rows, rubric.categories)
    for category, name in titles.items():
        members = [b[1:-1] for b, r in zip(body, ordered) if r.category == category]
        if not members:
            continue
        sheet = _sheet(book, name, len(header) - 1, header_rows=1)
        _heading(sheet, f"{title}（{name}）", tables.version_line(rubric), len(header) - 1)
        sheet.append(_row(sheet, "表头", ["序号", *header[1:-1]]))
        for number, row in enumerate(members, start=1):
            rank, unit, *rest = row   # a unit's name stays text, even "123"
            sheet.append(_row(sheet, "表格", [number, rank, unit, *map(_number, rest)]))
    book.save(path)


def _row(sheet, style: str, values) -> list:
    """A row's cells in a named style; every str a text cell (bot/office/cells.py)."""
    row = []
    for value in values:
        cell = (cells.text_cell(sheet, value) if isinstance(value, str) and value
                else WriteOnlyCell(sheet, value))
        cell.style = style
        row.append(cell)
    return row


def _merge(sheet, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    sheet.merged_cells.add(CellRange(min_row=first_row, min_col=first_col,
                                     max_row=last_row, max_col=last_col))


def _heading(sheet, title: str, version: str, width: int) -> None:
    for n, (text, style) in enumerate(((title, "表题"), (version, "细则")), start=1):
        _merge(sheet, n, 1, n, width)
        sheet.append(_row(sheet, style, [text]))


def _sheet(book: Workbook, name: str, width: int, header_rows: int):
    """A sheet laid out for print before its first row (a write-only sheet's layout comes
    first): landscape A4 fitted to the width, header rows repeated, panes frozen."""
    sheet = book.create_sheet(name)
    last_header = 2 + header_rows
    sheet.row_dimensions[last_header].height = 60
    for n in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(n)].width = {1: 5, 2: 5, 3: 20}.get(n, 9)
    sheet.freeze_panes = f"D{last_header + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"3:{last_header}"
    sheet.print_options.horizontalCentered = True
    return sheet
