"""The office's 放假调休安排 in the database, and the rules that include them.

The office enters a year's arrangement in /admin; it decides that year's working days
over the package and the config's extra lists (scoring/holidays.py). Every process
reads the arrangements through `CurrentRules`, which keeps them for a minute: a change
made in one process reaches the others within that minute, and at once in its own.
"""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from bot import audit
from bot.config_sections import Config
from bot.rules import Rules
from bot.rules import rules as rules_of
from scoring import Arrangement, Holiday
from storage.models import HolidayArrangement

RELOAD_SECONDS = 60.0


def to_arrangement(row) -> Arrangement:
    """The pure calendar's value of a stored arrangement."""
    return Arrangement(
        year=row.year,
        holidays=tuple(Holiday(h["name"], date.fromisoformat(h["first"]),
                               date.fromisoformat(h["last"])) for h in row.holidays),
        workdays=frozenset(date.fromisoformat(d) for d in row.workdays))


def stored_values(arrangement: Arrangement) -> dict:
    """An arrangement as stored and audited: names and ISO dates."""
    return {"holidays": [{"name": h.name, "first": h.first.isoformat(), "last": h.last.isoformat()}
                         for h in sorted(arrangement.holidays, key=lambda h: h.first)],
            "workdays": sorted(d.isoformat() for d in arrangement.workdays)}


def load_arrangements(reader: Session | Connection) -> tuple[Arrangement, ...]:
    """Every arrangement the office entered, by year (in the reader's transaction)."""
    rows = reader.execute(select(HolidayArrangement.year, HolidayArrangement.holidays,
                                 HolidayArrangement.workdays).order_by(HolidayArrangement.year))
    return tuple(to_arrangement(row) for row in rows)


def arrangement(session: Session, year: int) -> Arrangement | None:
    """The office's arrangement of a year, if entered."""
    row = session.get(HolidayArrangement, year)
    return to_arrangement(row) if row else None


def save_arrangement(session: Session, new: Arrangement, at: datetime, actor: str) -> bool:
    """Enter or replace a year's arrangement and audit it; False if nothing changed."""
    values = stored_values(new)
    row = session.get(HolidayArrangement, new.year)
    old = None if row is None else {"holidays": row.holidays, "workdays": row.workdays}
    if old == values:
        return False
    if row is None:
        row = HolidayArrangement(year=new.year, **values, entered_at=at, entered_by=actor)
        session.add(row)
    row.holidays, row.workdays = values["holidays"], values["workdays"]
    row.entered_at, row.entered_by = at, actor
    audit.record(session, at, actor,
                 audit.ARRANGEMENT_CREATED if old is None else audit.ARRANGEMENT_UPDATED,
                 new.year, old, values)
    return True


def delete_arrangement(session: Session, year: int, at: datetime, actor: str) -> bool:
    """Remove a year's arrangement (the package and config judge it again); audited."""
    row = session.get(HolidayArrangement, year)
    if row is None:
        return False
    audit.record(session, at, actor, audit.ARRANGEMENT_DELETED, year,
                 {"holidays": row.holidays, "workdays": row.workdays}, None)
    session.delete(row)
    return True


class CurrentRules:
    """The deployment's rules with the office's arrangements, re-read at most every minute.

    `get()` reads in a session of its own: call it outside a transaction (on SQLite a
    thread's transactions queue one after the other); inside one, pass its session or
    connection.
    """

    def __init__(self, session_factory: sessionmaker[Session], config: Config):
        self.session_factory = session_factory
        self.base = rules_of(config)
        self._loaded: tuple[float, Rules] | None = None

    def get(self, reader: Session | Connection | None = None) -> Rules:
        """The rules as of the last read of the arrangements (at most a minute old)."""
        loaded = self._loaded
        # A monotonic timer, not the services' clock: this is a cache's age, not a
        # time the rules judge (a test's clock may stand still for hours).
        if loaded is not None and time.monotonic() - loaded[0] < RELOAD_SECONDS:
            return loaded[1]
        if reader is not None:
            arrangements = load_arrangements(reader)
        else:
            with self.session_factory() as session:
                arrangements = load_arrangements(session)
        current = replace(self.base, deadline=replace(self.base.deadline,
                                                      arrangements=arrangements))
        self._loaded = (time.monotonic(), current)  # one assignment: safe across threads
        return current

    def invalidate(self) -> None:
        """Forget the arrangements read: the next `get` reads them again."""
        self._loaded = None
