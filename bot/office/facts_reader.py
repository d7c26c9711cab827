"""Reading the facts spreadsheet back (xlsx, or csv of its first sheet), all or nothing:
each cell read by its fact's declaration in the rubric version of the row's quarter (the
same fields as the console's form), every bad cell reported by sheet, row and column."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from bot.office import cells
from bot.office.fact_fields import NUMBERS, blank, parse, story_levels
from bot.office.fact_values import as_stored
from bot.office.facts import FactsFileError, FactsImport
from bot.office.facts_sheet import (FACTS_SHEET, LEAD, MEDIA_SHEET, TOTAL_HEADER,
                                    facts_header, media_header, sheet_fields)
from bot.office.quarter_totals import read_cells
from scoring import Quarter, Rubric, RubricVersions, fact_warnings
from storage import queries
from storage.models import Unit


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


def _version(header: list[str], rubric: RubricVersions) -> Rubric | None:
    """The newest version whose facts sheet has this header."""
    for version in reversed(rubric.versions):
        expected = facts_header(version)
        if header[:len(expected)] == list(expected):
            return version
    return None


def read_facts(session: Session, path: Path, rubric: RubricVersions) -> FactsImport:
    """Read and check the whole file; raise FactsFileError listing every bad cell."""
    sheets = _sheets(path)
    rows = sheets.get(FACTS_SHEET) or []
    header = [str(c or "").strip() for c in (rows[0] if rows else [])]
    version = _version(header, rubric)
    if version is None:
        raise FactsFileError([f"{FACTS_SHEET} 第1行：表头与模板不一致，"
                              "请用 python -m bot facts template 生成的模板"])
    columns = sheet_fields(version)
    units = unit_names(queries.units(session))
    problems: list[str] = []
    result = FactsImport(has_media_sheet=MEDIA_SHEET in sheets)
    first = len(LEAD) + len(columns)  # the hand-entered total's columns, when the file has them
    has_totals = header[first:first + len(TOTAL_HEADER)] == list(TOTAL_HEADER)
    for where, row in _filled(FACTS_SHEET, rows, first + len(TOTAL_HEADER)):
        unit, quarter = _unit_quarter(where, row, units, problems, quarter_col=2)
        if quarter is not None and rubric.for_quarter(quarter) is not version and \
                sheet_fields(rubric.for_quarter(quarter)) != columns:
            problems.append(f"{where} C列（季度）：{quarter.label}按"
                            f"{rubric.for_quarter(quarter).label}考核，请用该季度的模板")
            quarter = None
        typed = {}
        for col, field in enumerate(columns, start=len(LEAD) + 1):
            try:
                typed[field.key] = parse(field, row[col - 1])
            except ValueError as exc:
                problems.append(f"{where} {get_column_letter(col)}列（{field.header}）：{exc}，"
                                f"填的是「{row[col - 1]}」")
        if unit and quarter:
            result.facts.append((unit, quarter, as_stored(columns, typed)))
            result.warnings += [f"{where}（{unit.name}）：{w}" for w in fact_warnings(
                version.facts, {f.fact: typed.get(f.key) for f in columns if f.type in NUMBERS})]
        if has_totals:
            try:
                total = read_cells(row[first], row[first + 1])
            except ValueError as exc:
                problems.append(f"{where} {get_column_letter(first + 1)}、"
                                f"{get_column_letter(first + 2)}列（手工录入总分、原因）：{exc}")
            else:
                if unit and quarter:
                    result.totals.append((unit, quarter, total))
    levels = story_levels(version)
    media = media_header(version)
    for where, row in _filled(MEDIA_SHEET, sheets.get(MEDIA_SHEET) or [], len(media)):
        unit, quarter = _unit_quarter(where, row, units, problems, quarter_col=1)
        story = _media_story(where, row, levels, problems)
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


def _level(text: str, levels: dict[str, str]) -> str | None:
    for key, word in levels.items():
        if text == word or text.lower() == key.lower():
            return key
    return None


def _media_story(where: str, row: list[Any], levels: dict[str, str],
                 problems: list[str]) -> dict[str, Any] | None:
    """One media row as stored, or None with its problems listed."""
    story = str(row[2] or "").strip()
    if not story:
        problems.append(f"{where} C列（稿件或项目）：不能为空")
    level = _level(str(row[3] or "").strip(), levels)
    if level is None and not levels:
        problems.append(f"{where}：本细则没有媒体宣传项，请删除{MEDIA_SHEET}表")
    elif level is None:
        words = list(levels.values())
        problems.append(f"{where} D列（级别）：应填{'、'.join(words[:-1])}或{words[-1]}，"
                        f"填的是「{row[3]}」")
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
