"""The evidence pack (台账): per unit and quarter, a zip of each month's text, documents and
photos as received, with an xlsx receipt list; or every unit's at once (built by the
worker: bot/office/pack_builds.py).

Layout inside the zip (one unit):
    <unit>/回执清单.xlsx           month by month, then every item with its times and flags,
                                  the reviews, the quarter's score and facts (the rubric's words)
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot import scores
from bot.office import cells, receipt_sheets
from bot.office.fact_values import quarter_values
from bot.office.flags import HashIndex, hashed_photos, photo_flags
from bot.office.evidence_reviews import review_rows
from bot.office.grid import month_grid, unit_rows
from bot.office.results import ScoreRow
from bot.office.zip_members import CHUNK, add_bytes, add_file
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
    trail: list[list] = field(default_factory=list)   # 审核与申诉 rows (evidence_reviews)


def quarter_months(quarter: Quarter, now: datetime) -> list[Month]:
    """The quarter's months that have begun."""
    return [m for m in quarter.months() if m <= month_of(now)]


def read_unit(session: Session, unit, months: list[Month],
              others: HashIndex | None = None) -> UnitPart:
    """One unit's items of the months, its liaisons' names, excuses and photo flags."""
    items = list(session.scalars(
        select(SummaryItem).options(selectinload(SummaryItem.file))
        .where(SummaryItem.unit_id == unit.id,
               SummaryItem.month.in_([str(m) for m in months]))
        .order_by(SummaryItem.sent_at, SummaryItem.id)).all())
    liaisons = session.scalars(select(Liaison).where(
        Liaison.id.in_({i.liaison_id for i in items if i.liaison_id})))
    names = {lz.id: with_channel(words_of(lz), lz.channel) for lz in liaisons}
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
    score = scores.unit_quarter(session, unit, quarter, now, rules)
    sheet = Sheet(months, grid, quarter, rules, {unit.id: score},
                  quarter_values(session, quarter, [unit.id]))
    folder = unit_folders([unit])[0]
    part = read_unit(session, unit, months)
    part.trail = review_rows(session, unit, months, now, rules)
    with zipfile.ZipFile(out, "w") as zf:
        _write(zf, _plan(files, part, folder, sheet), sheet, now)


def write_all_packs(factory: sessionmaker[Session], files: FileStore, quarter: Quarter,
                    now: datetime, rules: Rules, out: BinaryIO,
                    progress: Progress | None = None) -> int:
    """Write every active unit's pack for the quarter into one zip, with an overview;
    `progress(done, total)` after each unit. Returns how many units it holds.

    While one unit's files are copied (the disk's work, without the GIL), a thread reads
    the next unit and makes its sheet (the CPU's): one unit ahead, no more in memory."""
    months = quarter_months(quarter, now)
    with UnitOfWork(factory) as uow:
        units = unit_rows(uow.session)
        grid = month_grid(uow.session, units, months, now, rules)
        table = scores.quarter_table(uow.session, quarter, now, rules)
        facts = quarter_values(uow.session, quarter)
        others = HashIndex(hashed_photos(uow.session))
    sheet = Sheet(months, grid, quarter, rules, {r.unit_id: r for r in table}, facts)
    if progress:
        progress(0, len(units))
    overview = f"{quarter}报送汇总.xlsx"
    folders = unit_folders(units, taken={overview})

    def prepare(n: int) -> Planned:
        with UnitOfWork(factory) as uow:
            part = read_unit(uow.session, units[n], months, others)
            part.trail = review_rows(uow.session, units[n], months, now, rules)
        return _plan(files, part, folders[n], sheet)

    with zipfile.ZipFile(out, "w", allowZip64=True) as zf, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-ahead") as ahead:
        add_bytes(zf, overview, receipt_sheets.overview(units, months, grid, quarter), now)
        coming = ahead.submit(prepare, 0) if units else None
        for n in range(len(units)):
            planned = coming.result()
            coming = ahead.submit(prepare, n + 1) if n + 1 < len(units) else None
            _write(zf, planned, sheet, now)
            if progress:
                progress(n + 1, len(units))
    return len(units)


@dataclass(frozen=True)
class Sheet:
    """What every unit's 回执清单 shares."""

    months: list[Month]
    grid: dict
    quarter: Quarter
    rules: Rules
    scores: dict[int, ScoreRow]            # each unit's row of the quarter's table
    facts: dict[int, dict[str, Any]]       # each unit's stored facts of the quarter

    def make(self, part: UnitPart, packed: dict[int, str]) -> bytes:
        unit = part.unit.id
        return receipt_sheets.receipts(part, self.months, self.grid, packed, self.quarter,
                                       self.rules, self.scores[unit], self.facts.get(unit, {}))


@dataclass
class Planned:
    """A unit's folder, ready to write: its texts, the files to copy, its sheet (made for
    the files found in the store; made again if one can't be read when it is copied)."""

    part: UnitPart
    folder: str
    members: list[tuple[str, bytes | Path, datetime, int]]   # (name, text or file, time, item)
    packed: dict[int, str]                                   # item id -> where in the pack
    sheet: bytes = b""


def _plan(files: FileStore, part: UnitPart, folder: str, sheet: Sheet) -> Planned:
    planned = Planned(part, folder, [], {})
    for month in sheet.months:
        mine = [i for i in part.items if i.month == str(month) and i.withdrawn_at is None]
        texts = [i for i in mine if i.kind == "text"]
        if texts:  # as sent, control characters too; only what UTF-8 can't hold is replaced
            body = "\n".join(f"【{receipt_sheets.clock(i.sent_at)} 发送，"
                             f"{part.names.get(i.liaison_id, '')}】\n{i.text}\n" for i in texts)
            planned.members.append((f"{folder}/{month}/小结文字.txt",
                                    cells.well_formed(body).encode("utf-8-sig"),
                                    max(i.received_at for i in texts), 0))
        for kind, sub in (("document", "文档"), ("photo", "照片")):
            for n, item in enumerate((i for i in mine if i.kind == kind and i.file), start=1):
                path = f"{folder}/{month}/{sub}/{n:02d}_{_file_name(item)}"
                source = _kept(files, item)
                planned.packed[item.id] = path.split("/", 1)[1] if source else MISSING
                if source:
                    planned.members.append((path, source, item.received_at, item.id))
    planned.sheet = sheet.make(part, planned.packed)
    return planned


def _kept(files: FileStore, item: SummaryItem) -> Path | None:
    """Where the item's file is in the store, if it is there."""
    try:
        source = files.path(item.file.path)
    except ValueError:
        return None
    return source if source.is_file() else None


def _write(zf, planned: Planned, sheet: Sheet, now: datetime) -> None:
    """Write a planned unit: texts, files (one that can't be read is listed as missing in
    the receipts, not silently dropped), then its sheet."""
    lost, buffer = False, bytearray(CHUNK)
    for name, what, when, item_id in planned.members:
        if isinstance(what, bytes):
            add_bytes(zf, name, what, when)
            continue
        try:
            add_file(zf, name, what, when, buffer)
        except OSError:   # gone since it was planned
            planned.packed[item_id], lost = MISSING, True
    if lost:
        planned.sheet = sheet.make(planned.part, planned.packed)
    add_bytes(zf, f"{planned.folder}/回执清单.xlsx", planned.sheet, now)


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


def _file_name(item: SummaryItem) -> str:
    if item.kind == "document":
        return cells.file_name(item.file.filename or f"document-{item.file.id}")
    extension = download_extension(item.file.path, item.file.content_type, "jpg")
    return f"{local(item.sent_at):%Y%m%d-%H%M%S}.{extension}"
