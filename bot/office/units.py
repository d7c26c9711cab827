"""Import the unit list (CSV or XLSX) and issue binding codes."""
from __future__ import annotations

import csv
import io
import re
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

# Each column by the headers it may have: the old English header, or the Chinese one.
COLUMNS = {"name": ("name", "单位名称"), "category": ("category", "类别"),
           "liaisons": ("liaisons", "联络员账号", "联络员"),
           "names": ("liaison_names", "联络员姓名"), "phones": ("liaison_phones", "联络员电话")}
REQUIRED = ("name", "category")
HEADER_HINT = ("表头应为：单位名称,类别,联络员账号,联络员姓名,联络员电话（后三列可省略；"
               "旧的 name,category,liaisons 也可以）")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
SEPARATORS = re.compile("[;；、]")
PHONE = re.compile(r"^[0-9+\-()（） 转#]{3,30}$")


class UnitFileError(Exception):
    """The file can't be imported; every problem is listed with its line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LiaisonRow:
    """A platform account listed for a unit, with the person's name and phone if given."""

    channel: str
    user_id: str
    name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class UnitRow:
    line: int
    name: str
    category: str
    liaisons: tuple[LiaisonRow, ...]


def read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) of a CSV or XLSX file, header included."""
    if path.suffix.lower() == ".xlsx":
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [(n, [_cell_text(c) for c in row])
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


def _cell_text(value) -> str:
    """A spreadsheet cell as text; a phone typed as a number keeps no ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def header_columns(header: list[str]) -> dict[str, int]:
    """Where each column is, by its header; raise if one is unknown, doubled or missing."""
    known = {title: key for key, titles in COLUMNS.items() for title in titles}
    found, problems = {}, []
    for at, title in enumerate(header):
        key = known.get(title.strip().lower())
        if not title.strip():
            continue
        if key is None:
            problems.append(f"第1行：不认识的列「{title}」。{HEADER_HINT}")
        elif key in found:
            problems.append(f"第1行：列「{title}」重复")
        else:
            found[key] = at
    missing = [COLUMNS[key][1] for key in REQUIRED if key not in found]
    if missing:
        problems.append(f"第1行：缺少列{'、'.join(missing)}。{HEADER_HINT}")
    if problems:
        raise UnitFileError(problems)
    return found


def parse_units(rows: list[tuple[int, list[str]]],
                categories: Mapping[str, Category]) -> list[UnitRow]:
    """Validate every row; raise with all problems, or return them all."""
    if not rows:
        raise UnitFileError([f"第1行：没有表头。{HEADER_HINT}"])
    columns = header_columns(rows[0][1])
    problems, units, seen_names, seen_ids = [], [], {}, {}
    words = category_words(categories)
    expected = "、".join(f"{c.short or c.title}（{cid}）" for cid, c in categories.items())
    for line, cells in rows[1:]:
        if not any(cells):
            continue
        cell = {key: (cells[at] if at < len(cells) else "") for key, at in columns.items()}
        name, given = cell["name"], cell["category"]
        category = words.get(given.lower(), "")
        if not name:
            problems.append(f"第{line}行：单位名称为空")
        elif len(name) > 100:
            problems.append(f"第{line}行：单位名称超过100字")
        elif name in seen_names:
            problems.append(f"第{line}行：单位「{name}」与第{seen_names[name]}行重复")
        if not category:
            problems.append(f"第{line}行：类别「{given}」不对，应为 {expected}")
        accounts = _accounts(line, cell.get("liaisons", ""), seen_ids, problems)
        people = _people(line, accounts, cell.get("names", ""), cell.get("phones", ""),
                         problems)
        seen_names.setdefault(name, line)
        units.append(UnitRow(line, name, category, people))
    if problems:
        raise UnitFileError(problems)
    return units


def _accounts(line: int, text: str, seen: dict, problems: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for part in filter(None, (p.strip() for p in text.replace("；", ";").split(";"))):
        channel, _, uid = part.partition(":")
        channel, uid = channel.strip().lower(), uid.strip()
        if channel not in CHANNELS or not uid or len(uid) > 128:
            problems.append(f"第{line}行：联络员「{part}」格式不对，应为 wecom:账号、dingtalk:账号 或 console:名字")
            continue
        if (channel, uid) in seen:
            problems.append(f"第{line}行：联络员「{part}」已在第{seen[(channel, uid)]}行出现")
        seen[(channel, uid)] = line
        pairs.append((channel, uid))
    return pairs


def _people(line: int, accounts: list[tuple[str, str]], names: str, phones: str,
            problems: list[str]) -> tuple[LiaisonRow, ...]:
    """Each account with its person: one name (or phone) for all, or one per account."""
    split = {"姓名": [v.strip() for v in SEPARATORS.split(names) if v.strip()],
             "电话": [v.strip() for v in SEPARATORS.split(phones) if v.strip()]}
    for what, values in split.items():
        if values and not accounts:
            problems.append(f"第{line}行：填了联络员{what}，但没有联络员账号（如 wecom:zhangsan）；"
                            "还没有账号的联络员请用绑定码绑定")
        elif len(values) not in (0, 1, len(accounts)):
            problems.append(f"第{line}行：联络员{what}有 {len(values)} 个，账号有 {len(accounts)}"
                            " 个；请一个账号对应一个，或只填一个（用于该行所有账号）")
    problems += [f"第{line}行：联络员姓名「{v}」超过100字" for v in split["姓名"] if len(v) > 100]
    problems += [f"第{line}行：联络员电话「{v}」不像电话号码" for v in split["电话"]
                 if not PHONE.match(v)]

    def nth(values: list[str], n: int) -> str:
        return values[0] if len(values) == 1 else values[n] if n < len(values) else ""

    return tuple(LiaisonRow(channel, uid, nth(split["姓名"], n), nth(split["电话"], n))
                 for n, (channel, uid) in enumerate(accounts))


def apply_units(session: Session, rows: list[UnitRow], now: datetime,
                actor: str) -> dict[str, int]:
    """Create or update units and their liaisons; never duplicates. Returns counts."""
    counts = {"created": 0, "updated": 0, "liaisons": 0, "people": 0}
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
        for person in row.liaisons:
            _apply_liaison(session, unit, person, now, actor, counts)
    return counts


def _apply_liaison(session: Session, unit: Unit, person: LiaisonRow, now: datetime,
                   actor: str, counts: dict[str, int]) -> None:
    """Bind the account to the unit, and keep the name and phone the file gives (a blank
    cell keeps what is known)."""
    key = f"{person.channel}:{person.user_id}"
    lz = queries.liaison(session, person.channel, person.user_id)
    if lz is None:
        lz = Liaison(channel=person.channel, platform_user_id=person.user_id,
                     display_name="", phone="", created_at=now)
        session.add(lz)
    old = {"display_name": lz.display_name or "", "phone": lz.phone or ""}
    new = {"display_name": person.name or old["display_name"],
           "phone": person.phone or old["phone"]}
    if lz.unit_id != unit.id:
        audit.record(session, now, actor, audit.LIAISON_BOUND, key,
                     {"unit_id": lz.unit_id, **old}, {"unit_id": unit.id, **new},
                     unit_id=unit.id)
        lz.unit_id = unit.id
        counts["liaisons"] += 1
    elif new != old:
        audit.record(session, now, actor, audit.LIAISON_UPDATED, key, old, new,
                     unit_id=unit.id)
        counts["people"] += 1
    lz.display_name, lz.phone = new["display_name"], new["phone"]
    session.flush()


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
