"""Import the unit list (CSV or XLSX) and issue binding codes."""
from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from typing import Mapping
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from bot import audit
from bot.office.cells import csv_text
from storage import queries
from scoring.schema.rubric import Category
from storage.models import CHANNELS, BindingCode, Liaison, Unit

HEADER = ("name", "category", "liaisons")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class UnitFileError(Exception):
    """The file can't be imported; every problem is listed with its line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class UnitRow:
    line: int
    name: str
    category: str
    liaisons: tuple[tuple[str, str], ...]


def read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) of a CSV or XLSX file, header included."""
    if path.suffix.lower() == ".xlsx":
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [(n, ["" if c is None else str(c).strip() for c in row])
                for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
        book.close()
        return rows
    try:
        text = csv_text(path.read_bytes())
    except ValueError as exc:
        raise UnitFileError([str(exc)]) from None
    return [(n, [c.strip() for c in row])
            for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)]


def category_words(categories: Mapping[str, Category]) -> dict[str, str]:
    """Every way a unit file may name a rubric's category (its id, its title, its short
    word, case ignored), to the category's id."""
    return {word.lower(): cid for cid, category in categories.items()
            for word in (cid, category.title, category.short) if word}


def parse_units(rows: list[tuple[int, list[str]]],
                categories: Mapping[str, Category]) -> list[UnitRow]:
    """Validate every row; raise with all problems, or return them all."""
    if not rows or [c.lower() for c in rows[0][1][:3]] != list(HEADER):
        raise UnitFileError([f"第1行：表头必须是 {','.join(HEADER)}"])
    problems, units, seen_names, seen_ids = [], [], {}, {}
    words = category_words(categories)
    expected = "、".join(f"{c.short or c.title}（{cid}）" for cid, c in categories.items())
    for line, cells in rows[1:]:
        if not any(cells):
            continue
        cells = (cells + ["", "", ""])[:3]
        name, category, liaisons = cells
        category = words.get(category.lower(), "")
        if not name:
            problems.append(f"第{line}行：单位名称为空")
        elif len(name) > 100:
            problems.append(f"第{line}行：单位名称超过100字")
        elif name in seen_names:
            problems.append(f"第{line}行：单位「{name}」与第{seen_names[name]}行重复")
        if not category:
            problems.append(f"第{line}行：类别「{cells[1]}」不对，应为 {expected}")
        pairs = []
        for part in filter(None, (p.strip() for p in liaisons.replace("；", ";").split(";"))):
            channel, _, uid = part.partition(":")
            channel, uid = channel.strip().lower(), uid.strip()
            if channel not in CHANNELS or not uid or len(uid) > 128:
                problems.append(f"第{line}行：联络员「{part}」格式不对，应为 wecom:账号、dingtalk:账号 或 console:名字")
                continue
            if (channel, uid) in seen_ids:
                problems.append(f"第{line}行：联络员「{part}」已在第{seen_ids[(channel, uid)]}行出现")
            seen_ids[(channel, uid)] = line
            pairs.append((channel, uid))
        seen_names.setdefault(name, line)
        units.append(UnitRow(line, name, category, tuple(pairs)))
    if problems:
        raise UnitFileError(problems)
    return units


def apply_units(session: Session, rows: list[UnitRow], now: datetime,
                actor: str) -> dict[str, int]:
    """Create or update units and their liaisons; never duplicates. Returns counts."""
    counts = {"created": 0, "updated": 0, "liaisons": 0}
    for row in rows:
        unit = queries.unit_by_name(session, row.name)
        if unit is None:
            unit = Unit(name=row.name, category=row.category, active=True, created_at=now)
            session.add(unit)
            session.flush()
            counts["created"] += 1
            audit.record(session, now, actor, audit.UNIT_CREATED, unit.id, None,
                         {"name": row.name, "category": row.category}, unit_id=unit.id)
        elif unit.category != row.category:
            audit.record(session, now, actor, audit.UNIT_UPDATED, unit.id,
                         {"category": unit.category}, {"category": row.category},
                         unit_id=unit.id)
            unit.category = row.category
            counts["updated"] += 1
        for channel, uid in row.liaisons:
            lz = queries.liaison(session, channel, uid)
            if lz is None:
                lz = Liaison(channel=channel, platform_user_id=uid, created_at=now)
                session.add(lz)
            if lz.unit_id != unit.id:
                audit.record(session, now, actor, audit.LIAISON_BOUND, f"{channel}:{uid}",
                             {"unit_id": lz.unit_id}, {"unit_id": unit.id}, unit_id=unit.id)
                lz.unit_id = unit.id
                counts["liaisons"] += 1
            session.flush()
    return counts


def new_binding_code(session: Session, unit: Unit, now: datetime, ttl: timedelta,
                     actor: str) -> BindingCode:
    """Issue a fresh single-use code for a unit."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if queries.binding_code(session, code) is None:
            break
    row = BindingCode(code=code, unit_id=unit.id, created_at=now, expires_at=now + ttl)
    session.add(row)
    session.flush()
    audit.record(session, now, actor, audit.CODE_ISSUED, row.id, None,
                 {"unit_id": unit.id, "expires_at": row.expires_at.isoformat()},
                 unit_id=unit.id)
    return row
