"""The office's facts as a spreadsheet: write the template, read it back all or nothing
(what the facts are and how they are stored: bot/office/facts.py)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.office import cells
from bot.office.facts import (
    CATEGORY_WORDS,
    FACT_COLUMNS,
    LEVELS,
    FactsFileError,
    FactsImport,
    blank,
    parse_cell,
)
from bot.office.quarter_totals import read_cells, shown_cells
from scoring import Quarter
from scoring.words import MEDIA_LEVEL_TITLES, SATISFACTION_TITLES
from storage import queries
from storage.models import MediaStory, QuarterFact, QuarterTotal, Unit

FACTS_HEADER = ("单位", "类别", "季度", *(h for _, h, _ in FACT_COLUMNS))
# Optional last two columns (older templates lack them): a quarter total entered by hand.
TOTAL_HEADER = ("手工录入总分", "手工录入原因")
MEDIA_HEADER = ("单位", "季度", "稿件或项目", "级别（县级/市级/省级/国家级）", "刊发日期", "媒体", "链接")
FACTS_SHEET, MEDIA_SHEET = "季度事实", "媒体宣传"


def _show(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "flag":
        return "是" if value else "否"
    if kind == "satisfaction":
        return SATISFACTION_TITLES[value]
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_template(session: Session, quarter: Quarter, path: Path) -> int:
    """Write one row per unit with what is entered so far; return the number of units."""
    units = queries.units(session)
    facts = {f.unit_id: f for f in session.scalars(
        select(QuarterFact).where(QuarterFact.quarter == str(quarter)))}
    totals = {t.unit_id: t for t in session.scalars(
        select(QuarterTotal).where(QuarterTotal.quarter == str(quarter)))}
    rows = []
    for unit in units:
        fact = facts.get(unit.id)
        rows.append([unit.name, CATEGORY_WORDS[unit.category], str(quarter),
                     *(_show(getattr(fact, f) if fact else None, k) for f, _, k in FACT_COLUMNS),
                     *shown_cells(totals.get(unit.id))])
    header = (*FACTS_HEADER, *TOTAL_HEADER)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            cells.write_csv(out, [header, *rows])
        return len(units)
    book = Workbook()
    sheet = book.active
    sheet.title = FACTS_SHEET
    _fill(sheet, header, rows)
    media = book.create_sheet(MEDIA_SHEET)
    names = {u.id: u.name for u in units}
    stories = session.scalars(select(MediaStory).where(MediaStory.quarter == str(quarter))
                              .order_by(MediaStory.unit_id, MediaStory.id))
    _fill(media, MEDIA_HEADER, [[names[s.unit_id], s.quarter, s.story, MEDIA_LEVEL_TITLES[s.level],
                                 s.published_on, s.outlet, s.link] for s in stories])
    note = book.create_sheet("说明")
    for line in ("空白表示尚未录入，该项按待录入计0分；填写后导入：python -m bot facts import 本文件",
                 "是/否项填“是”或“否”；人数、次数填整数；时长、知晓率可填小数；满意率填优秀、良好或一般。",
                 "媒体宣传表：同一稿件在多级媒体刊登时每级各填一行，按最高级别计分；导入时该季度的媒体记录以本表为准。",
                 "“媒体宣传已统计”填“是”而本季度没有稿件，表示媒体宣传项得0分（而不是待录入）。",
                 "手工录入总分：未在机器人上考核的季度（例如单位登记之前）按原办法评定的总分，须同时填写原因；"
                 "填写后以此总分为准，不再逐项计分；两格都清空即删除手工总分。"):
        cells.append(note, [line])
    book.save(path)
    return len(units)


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


def _sheets(path: Path) -> dict[str, list[list[Any]]]:
    if path.suffix.lower() == ".csv":
        try:
            text = cells.csv_text(path.read_bytes())
        except ValueError as exc:
            raise FactsFileError([str(exc)]) from None
        return {FACTS_SHEET: [list(r) for r in csv.reader(io.StringIO(text))]}
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return {s.title: [list(r) for r in s.iter_rows(values_only=True)]
                for s in book.worksheets if s.title in (FACTS_SHEET, MEDIA_SHEET)}
    finally:
        book.close()


def read_facts(session: Session, path: Path) -> FactsImport:
    """Read and check the whole file; raise FactsFileError listing every bad cell."""
    sheets = _sheets(path)
    rows = sheets.get(FACTS_SHEET) or []
    header = [str(c or "").strip() for c in (rows[0] if rows else [])]
    if header[:len(FACTS_HEADER)] != list(FACTS_HEADER):
        raise FactsFileError([f"{FACTS_SHEET} 第1行：表头与模板不一致，"
                              "请用 python -m bot facts template 生成的模板"])
    units = unit_names(queries.units(session))
    problems: list[str] = []
    result = FactsImport(has_media_sheet=MEDIA_SHEET in sheets)
    first = len(FACTS_HEADER)  # the hand-entered total's columns, when the file has them
    has_totals = header[first:first + len(TOTAL_HEADER)] == list(TOTAL_HEADER)
    for where, row in _filled(FACTS_SHEET, rows, first + len(TOTAL_HEADER)):
        unit, quarter = _unit_quarter(where, row, units, problems, quarter_col=2)
        values = {}
        for col, (name, title, kind) in enumerate(FACT_COLUMNS, start=4):
            try:
                values[name] = parse_cell(row[col - 1], kind)
            except ValueError as exc:
                problems.append(f"{where} {get_column_letter(col)}列（{title}）：{exc}，"
                                f"填的是「{row[col - 1]}」")
        if unit and quarter:
            result.facts.append((unit, quarter, values))
        if has_totals:
            try:
                total = read_cells(row[first], row[first + 1])
            except ValueError as exc:
                problems.append(f"{where} {get_column_letter(first + 1)}、"
                                f"{get_column_letter(first + 2)}列（手工录入总分、原因）：{exc}")
            else:
                if unit and quarter:
                    result.totals.append((unit, quarter, total))
    for where, row in _filled(MEDIA_SHEET, sheets.get(MEDIA_SHEET) or [], len(MEDIA_HEADER)):
        unit, quarter = _unit_quarter(where, row, units, problems, quarter_col=1)
        story = _media_story(where, row, problems)
        if unit and quarter and story:
            result.media.setdefault((unit.id, str(quarter)), []).append(story)
    if problems:
        raise FactsFileError(problems)
    return result


def unit_names(units: list[Unit]) -> dict[str, Unit | None]:
    """Each unit by its name and by its name as the template writes it (a control character
    shown as its sign, a csv field's added quote), then by those without surrounding spaces;
    None for a name that reads the same for more than one unit."""
    found: dict[str, set[int]] = {}
    for unit in units:
        for name in {unit.name, cells.xlsx_text(unit.name), cells.csv_field(unit.name)}:
            found.setdefault(name, set()).add(unit.id)
    stripped: dict[str, set[int]] = {}
    for name, ids in found.items():
        if name.strip() not in found:
            stripped.setdefault(name.strip(), set()).update(ids)
    by_id = {u.id: u for u in units}
    return {name: by_id[min(ids)] if len(ids) == 1 else None
            for name, ids in (found | stripped).items()}


def _filled(sheet: str, rows: list[list[Any]], width: int):
    """(where, row padded to width) of every row under the header that has anything."""
    for n, row in enumerate(rows[1:], start=2):
        row = list(row) + [None] * (width - len(row))
        if not all(blank(c) for c in row):
            yield f"{sheet} 第{n}行", row


def _unit_quarter(where: str, row: list[Any], units: dict[str, Unit | None], problems: list[str],
                  quarter_col: int) -> tuple[Unit | None, Quarter | None]:
    name = str(row[0] or "")
    name = name if name in units else name.strip()
    unit = units.get(name)
    if unit is None and name in units:
        problems.append(f"{where} A列（单位）：「{row[0]}」在表格中可对应多个单位"
                        "（名称里有表格显示不了的字符），请在控制台逐个单位录入")
    elif unit is None:
        problems.append(f"{where} A列（单位）：没有名为「{row[0]}」的单位")
    try:
        quarter = Quarter.parse(str(row[quarter_col] or "").strip())
    except ValueError:
        letter = get_column_letter(quarter_col + 1)
        problems.append(f"{where} {letter}列（季度）：应写成 2026Q1，填的是「{row[quarter_col]}」")
        quarter = None
    return unit, quarter


def _media_story(where: str, row: list[Any], problems: list[str]) -> dict[str, Any] | None:
    """One media row as stored, or None with its problems listed."""
    story = str(row[2] or "").strip()
    if not story:
        problems.append(f"{where} C列（稿件或项目）：不能为空")
    level = LEVELS.get(str(row[3] or "").strip().lower())
    if level is None:
        problems.append(f"{where} D列（级别）：应填县级、市级、省级或国家级，填的是「{row[3]}」")
    published = row[4]
    if isinstance(published, datetime):
        published = published.date()
    elif not blank(published):
        try:
            published = date.fromisoformat(str(published).strip())
        except ValueError:
            problems.append(f"{where} E列（刊发日期）：应写成 2026-03-15")
            return None
    if not story or level is None:
        return None
    return {"story": story[:200], "level": level,
            "published_on": published if isinstance(published, date) else None,
            "outlet": str(row[5] or "")[:200], "link": str(row[6] or "")[:500]}
