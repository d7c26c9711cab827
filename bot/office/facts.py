"""The office's quarter facts: an import applied all at once, with an audit entry per
unit-quarter that changed (the fields: bot/office/fact_fields.py; the spreadsheet:
bot/office/facts_sheet.py; the stored values: bot/office/fact_values.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot import audit
from bot.office.fact_values import write_values
from bot.office.quarter_totals import apply_totals
from scoring import Quarter
from storage.models import MediaStory, Unit


class FactsFileError(Exception):
    """The file can't be imported; every bad cell is listed by sheet, row and column."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class FactsImport:
    """What a form or a spreadsheet gave: per unit and quarter the facts as stored, by
    name (None: not entered); media stories; totals entered by hand; and the cross-checks
    that failed (warnings the office confirms)."""

    facts: list[tuple[Unit, Quarter, dict[str, Any]]] = field(default_factory=list)
    media: dict[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)
    has_media_sheet: bool = False
    totals: list[tuple[Unit, Quarter, tuple[Decimal, str] | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def apply_facts(session: Session, data: FactsImport, now: datetime, actor: str) -> int:
    """Store what was read (facts, hand-entered totals, media), with an audit entry per
    change; return the number of unit-quarters whose facts or total changed."""
    changed: set[tuple[int, str]] = set()
    for unit, quarter, values in data.facts:
        change = write_values(session, unit.id, quarter, values, now, actor)
        if change is not None:
            old, new = change
            audit.record(session, now, actor, audit.FACTS_SET, f"{unit.id}:{quarter}",
                         old if any(v is not None for v in old.values()) else None, new,
                         unit_id=unit.id)
            changed.add((unit.id, str(quarter)))
    changed |= apply_totals(session, data.totals, now, actor)
    replaced = set(data.media)
    if data.has_media_sheet:  # the sheet is the whole truth for the quarters it covers
        replaced |= {(unit.id, str(quarter)) for unit, quarter, _ in data.facts}
    for unit_id, quarter in sorted(replaced):
        stories = data.media.get((unit_id, quarter), [])
        session.execute(delete(MediaStory).where(MediaStory.unit_id == unit_id,
                                                 MediaStory.quarter == quarter))
        for story in stories:
            session.add(MediaStory(unit_id=unit_id, quarter=quarter, created_at=now,
                                   created_by=actor, **story))
        audit.record(session, now, actor, audit.STORIES_IMPORTED, f"{unit_id}:{quarter}",
                     None, {"stories": [{**s, "published_on": str(s["published_on"] or "")}
                                        for s in stories]}, unit_id=unit_id)
    session.flush()
    return len(changed)
