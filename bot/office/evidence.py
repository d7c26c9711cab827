"""The evidence pack (台账): per unit and quarter, a zip of each month's text, documents and
photos as received, with an xlsx receipt list; or every unit's at once.

Layout inside the zip (one unit):
    <unit>/回执清单.xlsx           month by month, then every item with its times
    <unit>/2026-07/小结文字.txt    every text item, with when it was sent and by whom
    <unit>/2026-07/文档/01_<name>  documents byte for byte
    <unit>/2026-07/照片/01_<time>.<ext>  photos byte for byte (the originals)
"""
from __future__ import annotations

import zipfile
from datetime import datetime
from io import BytesIO
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.messages import KIND_WORDS
from bot.office import cells
from bot.office.grid import month_grid, unit_rows
from bot.people import with_channel, words_of
from bot.rules import Rules
from scoring import Month, MonthStatus, Quarter, deadline, local, month_of
from storage.files import FileStore, download_extension
from storage.models import Liaison, MonthExcuse, SummaryItem, Unit

ZIP_EPOCH, ZIP_END = datetime(1980, 1, 1), datetime(2107, 12, 31, 23, 59, 58)


def _time(t: datetime | None) -> str:
    return local(t).strftime("%Y-%m-%d %H:%M:%S") if t else ""


def quarter_months(quarter: Quarter, now: datetime) -> list[Month]:
    """The quarter's months that have begun."""
    return [m for m in quarter.months() if m <= month_of(now)]


def write_unit_pack(session: Session, files: FileStore, unit_id: int, quarter: Quarter,
                    now: datetime, rules: Rules, out: BinaryIO) -> None:
    """Write one unit's pack for the quarter into `out`."""
    unit = session.execute(select(Unit.id, Unit.name, Unit.category, Unit.created_at)
                           .where(Unit.id == unit_id)).one_or_none()
    if unit is None:
        raise LookupError(unit_id)
    units = [unit]
    _write(session, files, units, quarter, now, rules, out, summary=False)


def write_all_packs(session: Session, files: FileStore, quarter: Quarter, now: datetime,
                    rules: Rules, out: BinaryIO) -> None:
    """Write every active unit's pack for the quarter into one zip, with an overview."""
    _write(session, files, unit_rows(session), quarter, now, rules, out, summary=True)


def _write(session, files, units, quarter, now, rules, out, *, summary: bool) -> None:
    months = quarter_months(quarter, now)
    grid = month_grid(session, units, months, now, rules)
    overview = f"{quarter}报送汇总.xlsx"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        if summary:
            zf.writestr(overview, _overview(units, months, grid, quarter))
        for unit, folder in zip(units, unit_folders(units, taken={overview})):
            _add_unit(zf, session, files, unit, folder, months, grid, quarter, rules)


def unit_folders(units, taken: set[str] = frozenset()) -> list[str]:
    """Each unit's folder in a pack: its name made safe, numbered when two come out the same."""
    used = set(taken)
    folders = []
    for unit in units:
        folder, n = cells.file_name(unit.name), 1
        while folder in used:
            n += 1
            folder = f"{cells.file_name(unit.name, cells.NAME_BYTES - 16)}（{n}）"
        used.add(folder)
        folders.append(folder)
    return folders


def _zip_time(t: datetime) -> tuple[int, ...]:
    """A zip entry's local time; zip can hold 1980 to 2107 only."""
    return min(max(local(t).replace(tzinfo=None), ZIP_EPOCH), ZIP_END).timetuple()[:6]


def _add_unit(zf, session, files, unit, folder, months, grid, quarter, rules) -> None:
    items = session.scalars(
        select(SummaryItem).options(selectinload(SummaryItem.file))
        .where(SummaryItem.unit_id == unit.id,
               SummaryItem.month.in_([str(m) for m in months]))
        .order_by(SummaryItem.sent_at, SummaryItem.id)).all()
    names = {lz.id: with_channel(words_of(lz), lz.channel)
             for lz in session.scalars(select(Liaison).where(
                 Liaison.id.in_({i.liaison_id for i in items if i.liaison_id})))}
    excuses = {e.month: e for e in session.scalars(select(MonthExcuse).where(
        MonthExcuse.unit_id == unit.id, MonthExcuse.month.in_([str(m) for m in months])))}
    packed: dict[int, str] = {}
    for month in months:
        mine = [i for i in items if i.month == str(month) and i.withdrawn_at is None]
        texts = [f"【{_time(i.sent_at)} 发送，{names.get(i.liaison_id, '')}】\n{i.text}\n"
                 for i in mine if i.kind == "text"]
        if texts:  # as sent, control characters too; only what UTF-8 can't hold is replaced
            zf.writestr(f"{folder}/{month}/小结文字.txt",
                        cells.well_formed("\n".join(texts)).encode("utf-8-sig"))
        for kind, sub in (("document", "文档"), ("photo", "照片")):
            for n, item in enumerate((i for i in mine if i.kind == kind and i.file), start=1):
                path = f"{folder}/{month}/{sub}/{n:02d}_{_file_name(item)}"
                try:
                    data = files.read(item.file.path)
                except (OSError, ValueError):  # listed in the receipts, not silently dropped
                    packed[item.id] = "（文件缺失，未能打包）"
                    continue
                info = zipfile.ZipInfo(path, date_time=_zip_time(item.sent_at))
                info.compress_type = zipfile.ZIP_STORED if kind == "photo" else zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
                packed[item.id] = path.split("/", 1)[1]
    zf.writestr(f"{folder}/回执清单.xlsx",
                _receipts(unit, months, grid, excuses, items, names, packed, quarter, rules))


def _file_name(item: SummaryItem) -> str:
    if item.kind == "document":
        return cells.file_name(item.file.filename or f"document-{item.file.id}")
    extension = download_extension(item.file.path, item.file.content_type, "jpg")
    return f"{local(item.sent_at):%Y%m%d-%H%M%S}.{extension}"


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    sheet = book.create_sheet(title)
    cells.append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        cells.append(sheet, row)
    for n, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = 40 if name == "内容" else 20
    sheet.freeze_panes = "A2"


def _status_word(cell) -> str:
    return MonthStatus(cell.status).label if cell.status else f"未纳入（{cell.note}）"


def _receipts(unit, months, grid, excuses, items, names, packed, quarter, rules) -> bytes:
    book = Workbook()
    book.remove(book.active)
    month_rows = []
    for m in months:
        cell = grid[(unit.id, str(m))]
        live = [i for i in items if i.month == str(m) and i.withdrawn_at is None]
        excuse = excuses.get(str(m))
        month_rows.append([m.label, _status_word(cell), _time(cell.completed_at),
                           _time(deadline(m, rules.deadline)),
                           sum(i.chars for i in live), sum(1 for i in live if i.kind == "photo"),
                           sum(1 for i in live if i.kind == "document"),
                           excuse.reason if excuse else ""])
    _sheet(book, "月度情况", ["月份", "状态", "完成时间", "截止时间", "文字字数", "图片张数",
                          "文档份数", "豁免/免报原因"], month_rows)
    item_rows = []
    for i in items:
        content = (i.text or "")[:200] if i.kind == "text" else (
            i.file.filename if i.kind == "document" and i.file else "")
        item_rows.append([Month.parse(i.month).label, KIND_WORDS.get(i.kind, i.kind), content,
                          i.chars, _time(i.sent_at), _time(i.received_at),
                          names.get(i.liaison_id, ""),
                          f"已撤回（{_time(i.withdrawn_at)}）" if i.withdrawn_at else "有效",
                          packed.get(i.id, "")])
    _sheet(book, "回执清单", ["月份", "类型", "内容", "字数", "发送时间", "接收时间", "联络员",
                          "状态", "包内文件"], item_rows)
    book.active = 0
    out = BytesIO()
    book.properties.title = cells.one_line(cells.xlsx_text(f"{unit.name} {quarter.label}小结回执清单"))
    book.save(out)
    return out.getvalue()


def _overview(units, months, grid, quarter) -> bytes:
    book = Workbook()
    book.remove(book.active)
    rows = []
    for u in units:
        row = [u.name]
        for m in months:
            cell = grid[(u.id, str(m))]
            row += [_status_word(cell), _time(cell.completed_at)]
        rows.append(row)
    header = ["单位"] + [f"{m.label}{what}" for m in months for what in ("状态", "完成时间")]
    _sheet(book, f"{quarter}报送汇总", header, rows)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
