"""The evidence pack (台账): per unit and quarter, a zip of each month's text, documents and
photos as received, with an xlsx receipt list; or every unit's at once (built by the
worker: bot/office/pack_builds.py).

Layout inside the zip (one unit):
    <unit>/回执清单.xlsx           month by month, then every item with its times and flags
    <unit>/2026-07/小结文字.txt    every text item, with when it was sent and by whom
    <unit>/2026-07/文档/01_<name>  documents byte for byte
    <unit>/2026-07/照片/01_<time>.<ext>  photos byte for byte (the originals)

Every member goes in through bot/office/zip_members.py (photos and office files stored,
texts deflated, copied in chunks, stamped in Shanghai time: a file by its message's
receipt, a sheet by when the pack was made). The all-units pack reads the database one
unit at a time, each in a short transaction, and writes with none open: on SQLite a
transaction holds the write lock, and a pack takes minutes.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.office import cells, receipt_sheets
from bot.office.flags import Hashed, hashed_photos, photo_flags
from bot.office.grid import month_grid, unit_rows
from bot.office.zip_members import add_bytes, add_file
from bot.people import with_channel, words_of
from bot.rules import Rules
from scoring import Month, Quarter, local, month_of
from storage.db import UnitOfWork
from storage.files import FileStore, download_extension
from storage.models import Liaison, MonthExcuse, SummaryItem, Unit

MISSING = "（文件缺失，未能打包）"
Progress = Callable[[int, int], None]    # (units written, units in all)


@dataclass
class UnitPart:
    """What one unit's folder holds, as read from the database."""

    unit: Any                                   # a unit row: id, name, category, created_at
    items: list[SummaryItem]                    # the quarter's items, files loaded
    names: dict[int, str] = field(default_factory=dict)          # liaison id -> name
    excuses: dict[str, MonthExcuse] = field(default_factory=dict)
    flags: dict[int, list[str]] = field(default_factory=dict)    # photo item id -> flags


def quarter_months(quarter: Quarter, now: datetime) -> list[Month]:
    """The quarter's months that have begun."""
    return [m for m in quarter.months() if m <= month_of(now)]


def read_unit(session: Session, unit, months: list[Month],
              others: list[Hashed] | None = None) -> UnitPart:
    """One unit's items of the months, its liaisons' names, excuses and photo flags."""
    items = list(session.scalars(
        select(SummaryItem).options(selectinload(SummaryItem.file))
        .where(SummaryItem.unit_id == unit.id,
               SummaryItem.month.in_([str(m) for m in months]))
        .order_by(SummaryItem.sent_at, SummaryItem.id)).all())
    names = {lz.id: with_channel(words_of(lz), lz.channel) for lz in session.scalars(select(Liaison).where(
        Liaison.id.in_({i.liaison_id for i in items if i.liaison_id})))}
    excuses = {e.month: e for e in session.scalars(select(MonthExcuse).where(
        MonthExcuse.unit_id == unit.id, MonthExcuse.month.in_([str(m) for m in months])))}
    flags = photo_flags(session, [i for i in items if i.withdrawn_at is None], others)
    return UnitPart(unit, items, names, excuses, flags)


def write_unit_pack(session: Session, files: FileStore, unit_id: int, quarter: Quarter,
                    now: datetime, rules: Rules, out: BinaryIO) -> None:
    """Write one unit's pack for the quarter into `out`."""
    unit = session.execute(select(Unit.id, Unit.name, Unit.category, Unit.created_at)
                           .where(Unit.id == unit_id)).one_or_none()
    if unit is None:
        raise LookupError(unit_id)
    months = quarter_months(quarter, now)
    grid = month_grid(session, [unit], months, now, rules)
    part = read_unit(session, unit, months)
    with zipfile.ZipFile(out, "w") as zf:
        _add_unit(zf, files, part, unit_folders([unit])[0], months, grid, quarter, rules, now)


def write_all_packs(factory: sessionmaker[Session], files: FileStore, quarter: Quarter,
                    now: datetime, rules: Rules, out: BinaryIO,
                    progress: Progress | None = None) -> int:
    """Write every active unit's pack for the quarter into one zip, with an overview;
    `progress(done, total)` after each unit. Returns how many units it holds."""
    months = quarter_months(quarter, now)
    with UnitOfWork(factory) as uow:
        units = unit_rows(uow.session)
        grid = month_grid(uow.session, units, months, now, rules)
        others = hashed_photos(uow.session)
    if progress:
        progress(0, len(units))
    overview = f"{quarter}报送汇总.xlsx"
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        add_bytes(zf, overview, receipt_sheets.overview(units, months, grid, quarter), now)
        for n, (unit, folder) in enumerate(zip(units, unit_folders(units, taken={overview})),
                                           start=1):
            with UnitOfWork(factory) as uow:
                part = read_unit(uow.session, unit, months, others)
            _add_unit(zf, files, part, folder, months, grid, quarter, rules, now)
            if progress:
                progress(n, len(units))
    return len(units)


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


def _add_unit(zf, files: FileStore, part: UnitPart, folder: str, months, grid, quarter,
              rules, now: datetime) -> None:
    packed: dict[int, str] = {}
    for month in months:
        mine = [i for i in part.items if i.month == str(month) and i.withdrawn_at is None]
        texts = [i for i in mine if i.kind == "text"]
        if texts:  # as sent, control characters too; only what UTF-8 can't hold is replaced
            body = "\n".join(f"【{receipt_sheets.clock(i.sent_at)} 发送，"
                             f"{part.names.get(i.liaison_id, '')}】\n{i.text}\n" for i in texts)
            add_bytes(zf, f"{folder}/{month}/小结文字.txt",
                      cells.well_formed(body).encode("utf-8-sig"),
                      max(i.received_at for i in texts))
        for kind, sub in (("document", "文档"), ("photo", "照片")):
            for n, item in enumerate((i for i in mine if i.kind == kind and i.file), start=1):
                path = f"{folder}/{month}/{sub}/{n:02d}_{_file_name(item)}"
                try:
                    add_file(zf, path, files.path(item.file.path), item.received_at)
                except (OSError, ValueError):  # listed in the receipts, not silently dropped
                    packed[item.id] = MISSING
                    continue
                packed[item.id] = path.split("/", 1)[1]
    add_bytes(zf, f"{folder}/回执清单.xlsx",
              receipt_sheets.receipts(part, months, grid, packed, quarter, rules), now)


def _file_name(item: SummaryItem) -> str:
    if item.kind == "document":
        return cells.file_name(item.file.filename or f"document-{item.file.id}")
    extension = download_extension(item.file.path, item.file.content_type, "jpg")
    return f"{local(item.sent_at):%Y%m%d-%H%M%S}.{extension}"
