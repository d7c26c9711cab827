"""The sheets inside an evidence pack: a unit's 回执清单.xlsx (each month's status and
completion time; every item with its times, its liaison by name, the file it is in the
pack and the photo's flags; the reviews; the quarter's score and facts in the rubric's
words: bot/office/pack_scores.py) and the all-units overview. Every text through
bot/office/cells.py: nothing a liaison sent becomes a formula."""
from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any, Mapping

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.messages import KIND_WORDS
from bot.office import cells
from bot.office.evidence_reviews import HEADER as REVIEW_HEADER
from bot.office.pack_scores import FACT_HEADER, SCORE_HEADER, fact_rows, score_rows
from bot.office.results import ScoreRow
from scoring import Month, MonthStatus, deadline, local

WIDE = {"内容": 40, "标记": 60, "考核项目": 36, "说明": 60, "考核事实": 30}
FLAG_SEPARATOR = "；"


def clock(t: datetime | None) -> str:
    """An instant in Shanghai time to the second ("" for none)."""
    return local(t).strftime("%Y-%m-%d %H:%M:%S") if t else ""


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    sheet = book.create_sheet(title)
    cells.append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        cells.append(sheet, row)
    for n, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = WIDE.get(name, 20)
    sheet.freeze_panes = "A2"


def status_word(cell) -> str:
    return MonthStatus(cell.status).label if cell.status else f"未纳入（{cell.note}）"


def _saved(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def receipts(part, months: list[Month], grid, packed: dict[int, str], quarter, rules,
             score: ScoreRow, facts: Mapping[str, Any]) -> bytes:
    """A unit's 回执清单.xlsx: 月度情况, 回执清单, 审核与申诉, 考核得分 and 考核事实 (`part`:
    bot.office.evidence.UnitPart; `score`: its row of the quarter's table; `facts`: its
    stored facts)."""
    unit, items, names, flags = part.unit, part.items, part.names, part.flags
    book = Workbook()
    book.remove(book.active)
    month_rows = []
    for m in months:
        cell = grid[(unit.id, str(m))]
        live = [i for i in items if i.month == str(m) and i.withdrawn_at is None]
        excuse = part.excuses.get(str(m))
        month_rows.append([m.label, status_word(cell), clock(cell.completed_at),
                           clock(deadline(m, rules.deadline)),
                           sum(i.chars for i in live), sum(1 for i in live if i.kind == "photo"),
                           sum(1 for i in live if i.kind == "document"),
                           excuse.reason if excuse else "",
                           sum(1 for i in live if i.id in flags)])
    _sheet(book, "月度情况", ["月份", "状态", "完成时间", "截止时间", "文字字数", "图片张数",
                          "文档份数", "豁免/免报原因", "被标记图片"], month_rows)
    item_rows = []
    for i in items:
        content = (i.text or "")[:200] if i.kind == "text" else (
            i.file.filename if i.kind == "document" and i.file else "")
        item_rows.append([Month.parse(i.month).label, KIND_WORDS.get(i.kind, i.kind), content,
                          i.chars, clock(i.sent_at), clock(i.received_at),
                          names.get(i.liaison_id, ""),
                          f"已撤回（{clock(i.withdrawn_at)}）" if i.withdrawn_at else "有效",
                          packed.get(i.id, ""), FLAG_SEPARATOR.join(flags.get(i.id, ()))])
    _sheet(book, "回执清单", ["月份", "类型", "内容", "字数", "发送时间", "接收时间", "联络员",
                          "状态", "包内文件", "标记"], item_rows)
    _sheet(book, "审核与申诉", REVIEW_HEADER, part.trail)
    version = rules.rubric.for_quarter(quarter)
    _sheet(book, "考核得分", SCORE_HEADER, score_rows(score, version))
    _sheet(book, "考核事实", FACT_HEADER, fact_rows(facts, version, unit.category))
    book.active = 0
    book.properties.title = cells.one_line(cells.xlsx_text(f"{unit.name} {quarter.label}小结回执清单"))
    return _saved(book)


def overview(units, months: list[Month], grid, quarter) -> bytes:
    """The all-units pack's overview: every unit's months, status and completion time."""
    book = Workbook()
    book.remove(book.active)
    rows = []
    for u in units:
        row = [u.name]
        for m in months:
            cell = grid[(u.id, str(m))]
            row += [status_word(cell), clock(cell.completed_at)]
        rows.append(row)
    header = ["单位"] + [f"{m.label}{what}" for m in months for what in ("状态", "完成时间")]
    _sheet(book, f"{quarter}报送汇总", header, rows)
    return _saved(book)
