"""The audit log as the office reads it: filtered by unit, person, kind of change and date,
each entry a sentence (bot/office/audit_sentences.py), a page at a time or all to xlsx."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import BinaryIO, Iterator, Mapping

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, NamedStyle
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot import audit
from bot.office import cells
from bot.office.audit_sentences import Line, line
from bot.office.audit_words import Names, who
from bot.office.rubric_words import RubricWords
from bot.people import liaison_words
from scoring import LOCAL_TZ, RubricVersions
from storage.models import AdminUser, AuditEntry, Liaison, SummaryItem, Unit

EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)   # what a date filter may say
BATCH = 1000                                             # entries read at once for an export
HEADER = ("时间", "操作人", "单位", "类别", "记录")
WIDTHS = (20, 22, 24, 16, 100)


class FilterError(ValueError):
    """A filter the form cannot have sent (the message says which, in Chinese)."""


@dataclass(frozen=True)
class AuditFilter:
    """What the office asked for; empty fields filter nothing."""

    unit: int | None = None
    actor: str = ""
    kind: str = ""
    first: date | None = None     # Shanghai days, both included
    last: date | None = None

    @classmethod
    def read(cls, args: Mapping[str, str]) -> AuditFilter:
        """The filter from a form's fields (unit, actor, kind, first, last)."""
        unit = (args.get("unit") or "").strip()
        if unit and not (unit.isdigit() and len(unit) < 10):
            raise FilterError("单位不对，请从列表中选择。")
        kind = (args.get("kind") or "").strip()
        if kind and kind not in audit.KINDS:
            raise FilterError("类别不对，请从列表中选择。")
        first, last = _day(args.get("first"), "起始日期"), _day(args.get("last"), "截止日期")
        if first and last and first > last:
            raise FilterError("起始日期不能晚于截止日期。")
        return cls(int(unit) if unit else None, (args.get("actor") or "").strip(), kind,
                   first, last)

    def args(self) -> dict[str, str]:
        """The filter as a form's fields again (for links to other pages and the export)."""
        return {k: str(v) for k, v in asdict(self).items() if v not in (None, "")}

    def clauses(self) -> list:
        where = []
        if self.unit is not None:
            where.append(AuditEntry.unit_id == self.unit)
        if self.actor:
            where.append(AuditEntry.actor == self.actor)
        if self.kind:
            where.append(or_(*(and_(AuditEntry.action == c.action, AuditEntry.entity == c.entity)
                               for c in audit.of_kind(self.kind))))
        if self.first:
            where.append(AuditEntry.at >= datetime.combine(self.first, time(), LOCAL_TZ))
        if self.last:
            where.append(AuditEntry.at < datetime.combine(self.last + timedelta(days=1), time(),
                                                          LOCAL_TZ))
        return where


def _day(text: str | None, title: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise FilterError(f"{title}应写成 2026-03-15。") from None
    if not EARLIEST <= day <= LATEST:
        raise FilterError(f"{title}应在 {EARLIEST} 至 {LATEST} 之间。")
    return day


def count(session: Session, chosen: AuditFilter) -> int:
    """How many entries the filter finds."""
    return session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(*chosen.clauses()))


def lines(session: Session, chosen: AuditFilter, rubric: RubricVersions, offset: int = 0,
          limit: int | None = None) -> list[Line]:
    """The entries the filter finds, newest first, as sentences in the rubric's words."""
    entries = _entries(session, chosen, offset=offset, limit=limit)
    names = known_names(session, rubric, entries)
    return [line(entry, names) for entry in entries]


def every_line(session: Session, chosen: AuditFilter,
               rubric: RubricVersions) -> Iterator[Line]:
    """All the entries the filter finds, newest first, read a batch at a time (by id, so an
    entry written meanwhile shifts nothing); the units, liaisons and accounts read once."""
    known, before = known_names(session, RubricWords.of(rubric)), None
    while entries := _entries(session, chosen, limit=BATCH, before=before):
        names = replace(known, items=item_names(session, entries))
        yield from (line(entry, names) for entry in entries)
        before = entries[-1].id


def _entries(session: Session, chosen: AuditFilter, *, offset: int = 0,
             limit: int | None = None, before: int | None = None) -> list:
    """The entries as rows (read, never changed: no ORM objects to build)."""
    query = select(*AuditEntry.__table__.columns).where(*chosen.clauses())
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return session.execute(query.order_by(AuditEntry.id.desc()).offset(offset)
                           .limit(limit)).all()


def known_names(session: Session, rubric: RubricVersions | RubricWords,
                entries=()) -> Names:
    """What the database knows of the units, liaisons, accounts and items entries name,
    and what the rubric calls the keys they store."""
    liaisons = session.execute(select(Liaison.id, Liaison.channel, Liaison.platform_user_id,
                                      Liaison.display_name, Liaison.platform_name)).all()
    return Names(
        units=dict(session.execute(select(Unit.id, Unit.name)).tuples().all()),
        liaisons={f"{ch}:{uid}": liaison_words(name, known, "")
                  for _, ch, uid, name, known in liaisons if liaison_words(name, known, "")},
        liaison_ids={str(i): f"{ch}:{uid}" for i, ch, uid, _, _ in liaisons},
        accounts={str(i): name for i, name in session.execute(
            select(AdminUser.id, AdminUser.name)).tuples()},
        items=item_names(session, entries),
        rubric=rubric if isinstance(rubric, RubricWords) else RubricWords.of(rubric))


def item_names(session: Session, entries) -> dict[str, tuple[str, str]]:
    """The kind and month of each summary item the entries name, by id."""
    items = {int(e.entity_id) for e in entries
             if e.entity == "summary_item" and (e.entity_id or "").isdigit()
             and len(e.entity_id) < 10}
    found = session.execute(select(SummaryItem.id, SummaryItem.kind, SummaryItem.month)
                            .where(SummaryItem.id.in_(items))).all() if items else []
    return {str(i): (kind, month) for i, kind, month in found}


@dataclass(frozen=True)
class Choices:
    """What the filter form offers: every unit, every person in the log, every kind."""

    units: list[tuple[int, str]]
    people: list[tuple[str, str]]      # (actor as stored, in words)
    kinds: tuple[str, ...] = audit.KINDS


def choices(session: Session) -> Choices:
    """The filter form's options."""
    names = known_names(session, RubricWords())   # units and people: no rubric words read
    actors = session.scalars(select(AuditEntry.actor).distinct()).all()
    order = {"admin": 0, "cli": 1, "liaison": 2}
    people = sorted(((a, who(a, names)) for a in actors),
                    key=lambda p: (order.get(p[0].partition(":")[0], 3), p[1]))
    units = sorted(names.units.items(), key=lambda u: u[1])
    return Choices(units, people)


def write_xlsx(found: Iterator[Line], out: BinaryIO) -> None:
    """The entries as a sheet: time, person, unit, kind, the sentence (every text a text
    cell), written row by row (openpyxl's write-only mode: no sheet held in memory)."""
    book = Workbook(write_only=True)
    book.add_named_style(NamedStyle("表头", font=Font(bold=True)))
    book.add_named_style(NamedStyle("记录", alignment=Alignment(wrap_text=True, vertical="top")))
    sheet = book.create_sheet("审计日志")
    for number, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[chr(ord("A") + number - 1)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_styled(cells.text_cell(sheet, title), "表头") for title in HEADER])
    for found_line in found:
        sheet.append([*(cells.xlsx_value(sheet, text) for text in (
            found_line.at, found_line.who, found_line.unit, found_line.kind)),
            _styled(cells.text_cell(sheet, found_line.sentence), "记录")])
    book.save(out)


def _styled(cell, style: str):
    cell.style = style
    return cell
