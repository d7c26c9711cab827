"""Reminders sent by hand (`python -m bot remind`): who owes what, when one may send,
and the audit entry of every run (a dry run, a refusal, a send)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.people import liaison_words, with_channel
from bot.rules import Rules
from bot.summaries import MonthState, month_states
from bot.worker.notices import MANUAL
from bot.worker.schedule import Occurrence, weekdays_only_days
from scoring import Month, MonthStatus, month_of
from storage.models import Liaison, Unit

OWING = (MonthStatus.PENDING, MonthStatus.MISSING)


@dataclass(frozen=True)
class Recipient:
    """A bound liaison as the office knows them."""

    channel: str
    user_id: str
    name: str
    platform_name: str = ""
    phone: str = ""

    @property
    def words(self) -> str:
        """What the liaison is called (bot.people: name, else platform name, else id)."""
        return liaison_words(self.name, self.platform_name, self.user_id)

    @property
    def label(self) -> str:
        """What the liaison is called, and the platform: 张三（企业微信）."""
        return with_channel(self.words, self.channel)


@dataclass(frozen=True)
class UnitOwing:
    """A unit that would be reminded: what its month holds and who gets the reminder."""

    name: str
    state: MonthState
    liaisons: tuple[Recipient, ...]

    @property
    def holds(self) -> str:
        """What the month holds against what it needs, e.g. 文字 12/50 字，图片 0/1 张."""
        s = self.state
        return f"文字 {s.chars}/{s.min_chars} 字，图片 {s.photos}/{s.min_photos} 张"


@dataclass(frozen=True)
class ManualRun:
    """Who a reminder sent now would reach."""

    month: Month
    units: tuple[UnitOwing, ...]
    weekdays_only: tuple[date, ...]   # the month's days judged by Monday to Friday only

    @property
    def liaison_count(self) -> int:
        return len({(r.channel, r.user_id) for u in self.units for r in u.liaisons})

    @property
    def counts(self) -> str:
        """28 个单位、31 名联络员."""
        return f"{len(self.units)} 个单位、{self.liaison_count} 名联络员"

    def occurrence(self, now: datetime) -> Occurrence:
        """The occurrence the notices of this run are recorded under (one per run)."""
        return Occurrence(now, MANUAL, str(self.month), slot=int(now.timestamp()))


def owing_now(session: Session, now: datetime, rules: Rules) -> ManualRun:
    """The units whose month is still incomplete now and have a bound liaison.

    The same units as `bot.worker.notices.plan` reminds for a manual occurrence.
    """
    month = month_of(now)
    states = month_states(session, month, now, rules.deadline, rules.completion)
    liaisons: dict[int, list[Recipient]] = defaultdict(list)
    for unit_id, channel, user_id, name, known, phone in session.execute(
            select(Liaison.unit_id, Liaison.channel, Liaison.platform_user_id,
                   Liaison.display_name, Liaison.platform_name, Liaison.phone)
            .where(Liaison.unit_id.is_not(None)).order_by(Liaison.id)):
        liaisons[unit_id].append(Recipient(channel, user_id, name or "", known or "",
                                           phone or ""))
    names = dict(session.execute(select(Unit.id, Unit.name)).tuples().all())
    units = tuple(UnitOwing(names[unit_id], state, tuple(liaisons[unit_id]))
                  for unit_id, state in sorted(states.items())
                  if state.status in OWING and liaisons.get(unit_id))
    return ManualRun(month, units, tuple(weekdays_only_days(month, rules.deadline)))


def audit_run(session: Session, run: ManualRun, at: datetime, actor: str, outcome: str,
              **details) -> None:
    """Record a run: outcome 'dry_run', 'refused' or 'sent', with its counts."""
    audit.record(session, at, actor, audit.MANUAL_REMINDER, str(run.month), None,
                  {"outcome": outcome, "units": len(run.units),
                   "liaisons": run.liaison_count, **details})
