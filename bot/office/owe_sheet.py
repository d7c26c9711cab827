"""The units that still owe the open month, as a sheet: what each lacks, its liaisons with
their phones, and when it was last reminded (every text a text cell, bot/office/cells)."""
from __future__ import annotations

from typing import BinaryIO, Iterable, Mapping

from openpyxl import Workbook
from openpyxl.styles import Font

from bot.office import cells
from bot.worker.manual_reminders import UnitOwing
from bot.worker.manual_results import STATE_WORDS
from scoring import Month, local
from scoring.words import STATUS_LABELS

HEADER = ("单位", "类别", "月份", "状态", "文字（字）", "至少（字）", "图片（张）", "至少（张）",
          "还差", "联络员", "联络员电话", "最近提醒", "最近提醒结果")
WIDTHS = (22, 14, 10, 8, 10, 10, 10, 10, 18, 30, 24, 18, 14)


def last_words(unit: UnitOwing) -> tuple[str, str]:
    """When the unit was last reminded (local, to the minute) and how it went; or 未提醒."""
    if unit.last is None:
        return "未提醒", ""
    at = unit.last.sent_at or unit.last.at
    return f"{local(at):%Y-%m-%d %H:%M}", STATE_WORDS.get(unit.last.state, unit.last.state)


def write_xlsx(month: Month, owing: Iterable[UnitOwing], categories: Mapping[str, str],
               out: BinaryIO) -> None:
    """One row per unit that owes the month (`categories`: the rubric's titles, by key)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "未报齐单位"
    cells.append(sheet, HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[chr(ord("A") + number - 1)].width = width
    for unit in owing:
        s = unit.state
        cells.append(sheet, [
            unit.name, categories.get(unit.category, unit.category), month.label,
            STATUS_LABELS.get(s.status.value, str(s.status)), s.chars, s.min_chars, s.photos,
            s.min_photos, unit.lacks, "、".join(r.label for r in unit.liaisons) or "（没有绑定）",
            "、".join(f"{r.words} {r.phone}" for r in unit.liaisons if r.phone),
            *last_words(unit)])
    sheet.freeze_panes = "A2"
    book.save(out)
