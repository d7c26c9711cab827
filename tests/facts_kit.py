"""Entering and reading quarter facts in tests, through the bot's own storage of them
(bot/office/fact_values.py): typed values by field key, as the form and the sheet give."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from bot.office.fact_fields import fields, loaded
from bot.office.fact_values import as_stored, write_values
from scoring import Quarter, default_rubrics
from storage.db import UnitOfWork
from storage.models import QuarterFactValue


def put_facts(svc, unit_id: int, quarter: str = "2026Q1", rubric=None, /, **typed: Any):
    """Store these facts of a unit's quarter (typed: True, 50, Decimal("76.5"), "good")."""
    version = rubric or default_rubrics().latest
    at = svc.clock.now() if hasattr(svc, "clock") else datetime.now(timezone.utc)
    with UnitOfWork(svc.session_factory) as uow:
        write_values(uow.session, unit_id, Quarter.parse(quarter),
                     as_stored(fields(version, "import"), typed), at, "test")
        uow.commit()


def facts_of(services, unit_id: int | None = None, quarter: str | None = None,
             rubric=None) -> dict[str, Any]:
    """The stored facts (of one unit and quarter, or of all), typed, by fact name."""
    version = rubric or default_rubrics().latest
    by_fact = {f.fact: f for f in fields(version, "import")}
    query = select(QuarterFactValue)
    if unit_id is not None:
        query = query.where(QuarterFactValue.unit_id == unit_id)
    if quarter is not None:
        query = query.where(QuarterFactValue.quarter == quarter)
    with UnitOfWork(services.session_factory) as uow:
        return {r.name: loaded(by_fact[r.name], r.value) if r.name in by_fact else r.value
                for r in uow.session.scalars(query)}
