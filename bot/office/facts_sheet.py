"""The office's facts as a spreadsheet: the template, its columns derived from the rubric
version of the quarter (one per fact the office imports, bot/office/fact_fields.py), with
drop-downs for yes/no and grades and the facts a unit's category does not count greyed.
Reading it back, all or nothing: bot/office/facts_reader.py."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office import cells
from bot.office.fact_fields import Field, counted_facts, fields, loaded, shown, story_levels
from bot.memo import NO_MEMO, Memo
from bot.office.fact_values import facts_mark, kept_values
from bot.office.quarter_totals import shown_cells
from scoring import Quarter, Rubric
from scoring.numbers import fmt
from storage import queries
from storage.models import MediaStory, QuarterTotal

LEAD = ("单位", "类别", "季度")
# Optional last two columns (older templates lack them): a quarter total entered by hand.
TOTAL_HEADER = ("手工录入总分", "手工录入原因")
FACTS_SHEET, MEDIA_SHEET = "季度事实", "媒体宣传"
GREY = PatternFill("solid", start_color="D9D9D9", end_color="D9D9D9")
NOT_COUNTED = "不计分"     # the greyed cells' named style


def sheet_fields(rubric: Rubric) -> tuple[Field, ...]:
    """The facts sheet's fields: the facts the office imports."""
    return fields(rubric, "import")


def facts_header(rubric: Rubric) -> tuple[str, ...]:
    """The facts sheet's header, the hand-entered total's columns left out."""
    return (*LEAD, *(f.header for f in sheet_fields(rubric)))


def media_header(rubric: Rubric) -> tuple[str, ...]:
    """The media sheet's header; the levels are the rubric's stories fact's."""
    levels = "/".join(story_levels(rubric).values())
    return ("单位", "季度", "稿件或项目", f"级别（{levels}）", "刊发日期", "媒体", "链接")


def category_word(rubric: Rubric, category: str) -> str:
    """A category as the sheet writes it: its short word, else its title."""
    known = rubric.categories.get(category)
    return (known.short or known.title) if known else category


def _cell(field: Field, value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if field.type in ("count",) or value is None:
        return value
    return shown(field, value)


def write_template(session: Session, quarter: Quarter, path: Path, rubric: Rubric,
                   memo: Memo = NO_MEMO) -> int:
    """Write one row per unit with what is entered so far, in the columns of the rubric
    version of the quarter; return the number of units. With a memo, the facts are those
    kept under their mark (bot/office/fact_values.py: kept_values)."""
    mark = facts_mark(session, quarter)
    units = queries.units(session)
    values = kept_values(session, quarter, mark, memo)
    totals = {t.unit_id: t for t in session.scalars(
        select(QuarterTotal).where(QuarterTotal.quarter == str(quarter)))}
    columns = sheet_fields(rubric)
    rows = []
    for unit in units:
        stored = values.get(unit.id, {})
        rows.append([unit.name, category_word(rubric, unit.category), str(quarter),
                     *(_cell(f, loaded(f, stored.get(f.fact))) for f in columns),
                     *shown_cells(totals.get(unit.id))])
    header = (*facts_header(rubric), *TOTAL_HEADER)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            cells.write_csv(out, [header, *rows])
        return len(units)
    book = Workbook()
    book.add_named_style(NamedStyle(NOT_COUNTED, fill=GREY))  # named once: cheaper per cell
    sheet = book.active
    sheet.title = FACTS_SHEET
    _fill(sheet, header, rows)
    _drop_downs(sheet, columns, len(rows))
    counted = {c: counted_facts(rubric, c) for c in rubric.categories}
    for n, unit in enumerate(units, start=2):
        for col, field in enumerate(columns, start=len(LEAD) + 1):
            if field.fact not in counted.get(unit.category, frozenset(rubric.facts)):
                sheet.cell(row=n, column=col).style = NOT_COUNTED
    levels = story_levels(rubric)
    if levels:
        media = book.create_sheet(MEDIA_SHEET)
        names = {u.id: u.name for u in units}
        stories = session.scalars(select(MediaStory).where(MediaStory.quarter == str(quarter))
                                  .order_by(MediaStory.unit_id, MediaStory.id))
        _fill(media, media_header(rubric), [
            [names.get(s.unit_id, ""), s.quarter, s.story, levels.get(s.level, s.level),
             s.published_on, s.outlet, s.link] for s in stories])
        _drop_downs(media, (), 0)
        media.add_data_validation(_choices(tuple(levels.values()), "D2:D1000"))
    note = book.create_sheet("说明")
    for line in notes(rubric):
        cells.append(note, [line])
    book.save(path)
    return len(units)


def notes(rubric: Rubric) -> list[str]:
    """The 说明 sheet: how to fill the template in, from the rubric's facts."""
    lines = [f"本模板按{rubric.label}生成。",
             "空白表示尚未录入，该项按待录入计0分；填写后导入：python -m bot facts import 本文件",
             "灰色格子是该单位类别不计分的事实，可以不填。",
             "是/否项、等级项可从下拉列表选择；次数、人数填整数；时长、比率等可填小数。"]
    for f in sheet_fields(rubric):
        if f.type == "points":
            lines.append(f"{f.label}：每条写成“分值：原因”，多条用“；”隔开，每条{fmt(f.low)}到"
                         f"{fmt(f.high)}分。")
        elif f.type in ("count", "decimal", "percentage") and f.high is not None:
            lines.append(f"{f.label}：应在{fmt(f.low)}到{fmt(f.high)}之间。")
    for f in sheet_fields(rubric):
        if f.type == "stories":
            lines += [f"{MEDIA_SHEET}表：同一稿件在多级媒体刊登时每级各填一行，按最高级别计分；"
                      "导入时该季度的记录以本表为准。",
                      f"“{f.header}”填“是”而本季度没有稿件，表示{f.label}项得0分（而不是待录入）。"]
    lines.append("手工录入总分：未在机器人上考核的季度（例如单位登记之前）按原办法评定的总分，"
                 "须同时填写原因；填写后以此总分为准，不再逐项计分；两格都清空即删除手工总分。")
    return lines


def _choices(words: tuple[str, ...], where: str) -> DataValidation:
    rule = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True,
                          showErrorMessage=True, errorTitle="请从列表中选择",
                          error="请填 " + "、".join(words) + " 之一，或留空")
    rule.add(where)
    return rule


def _drop_downs(sheet, columns, rows: int) -> None:
    """A drop-down list on each yes/no or grade column (its cells below the header)."""
    last = max(rows + 1, 1000)
    for col, field in enumerate(columns, start=len(LEAD) + 1):
        if field.choices:
            letter = get_column_letter(col)
            sheet.add_data_validation(_choices(field.choices, f"{letter}2:{letter}{last}"))


def _fill(sheet, header, rows) -> None:
    cells.append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for row in rows:
        cells.append(sheet, row)
    for n, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = max(10, min(30, len(title) * 2))
    sheet.freeze_panes = "B2"
