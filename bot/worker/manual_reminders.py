"""Reminders sent by hand, one way through for `python -m bot remind` and the console's
button: who still owes the open month and what it lacks, when each unit was last
reminded, when one may send, the run itself (at most once per unit a day, by hand or by
the schedule), and the audit entry of every run (a dry run, a refusal, a send)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.config_sections import RemindersConfig
from bot.people import liaison_words, with_channel
from bot.rules import Rules
from bot.summaries import MonthState, month_states
from bot.worker.notices import fire
from bot.worker.schedule import (MANUAL, REMINDER, Occurrence, next_allowed,
                                 weekdays_only_days)
from scoring import LOCAL_TZ, Month, MonthStatus, month_of
from scoring.holidays import WEEKDAY_NAMES
from storage.db import UnitOfWork
from storage.models import Liaison, Notice, Unit

OWING = (MonthStatus.PENDING, MonthStatus.MISSING)
REMINDERS = (REMINDER, MANUAL)   # the notices that count as a reminder of the month


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
class LastReminder:
    """A unit's latest reminder of the month: when it was recorded, and how it went."""

    at: datetime           # recorded (queued)
    sent_at: datetime | None
    state: str             # the notice's: pending, sent, failed


@dataclass(frozen=True)
class UnitOwing:
    """A unit that still owes the month: what its month holds, who would be reminded, and
    when it was last reminded."""

    name: str
    state: MonthState
    liaisons: tuple[Recipient, ...]
    unit_id: int = 0
    category: str = ""
    last: LastReminder | None = None
    reminded_today: bool = False

    @property
    def holds(self) -> str:
        """What the month holds against what it needs, e.g. 文字 12/50 字，图片 0/1 张."""
        s = self.state
        return f"文字 {s.chars}/{s.min_chars} 字，图片 {s.photos}/{s.min_photos} 张"

    @property
    def lacks(self) -> str:
        """What is still missing: 文字 38 字、图片 1 张."""
        s, parts = self.state, []
        if s.missing_chars:
            parts.append(f"文字 {s.missing_chars} 字")
        if s.missing_photos:
            parts.append(f"图片 {s.missing_photos} 张")
        return "、".join(parts)


@dataclass(frozen=True)
class ManualRun:
    """Who a reminder sent now would reach, and who it leaves out and why."""

    month: Month
    units: tuple[UnitOwing, ...]
    weekdays_only: tuple[date, ...]   # the month's days judged by Monday to Friday only
    skipped: tuple[UnitOwing, ...] = ()      # reminded today already
    unreachable: tuple[UnitOwing, ...] = ()  # no liaison bound

    @property
    def liaison_count(self) -> int:
        return len({(r.channel, r.user_id) for u in self.units for r in u.liaisons})

    @property
    def counts(self) -> str:
        """28 个单位、31 名联络员."""
        return f"{len(self.units)} 个单位、{self.liaison_count} 名联络员"

    def occurrence(self, now: datetime) -> Occurrence:
        """The occurrence the notices of this run are recorded under: today's, these units."""
        day = int(now.astimezone(LOCAL_TZ).strftime("%Y%m%d"))
        return Occurrence(now, MANUAL, str(self.month), slot=day,
                          units=tuple(u.unit_id for u in self.units))


def owe_list(session: Session, now: datetime, rules: Rules,
             category: str | None = None) -> tuple[Month, list[UnitOwing]]:
    """The open month, and every active unit (of a category) that still owes it, by name."""
    month = month_of(now)
    states = month_states(session, month, now, rules.deadline, rules.completion)
    liaisons: dict[int, list[Recipient]] = defaultdict(list)
    for unit_id, channel, user_id, name, known, phone in session.execute(
            select(Liaison.unit_id, Liaison.channel, Liaison.platform_user_id,
                   Liaison.display_name, Liaison.platform_name, Liaison.phone)
            .where(Liaison.unit_id.is_not(None)).order_by(Liaison.id)):
        liaisons[unit_id].append(Recipient(channel, user_id, name or "", known or "",
                                           phone or ""))
    last = last_reminders(session, month)
    today = now.astimezone(LOCAL_TZ).date()
    owing = []
    for unit_id, name, kind in session.execute(
            select(Unit.id, Unit.name, Unit.category).where(Unit.active.is_(True))
            .order_by(Unit.name)):
        state = states.get(unit_id)
        if state is None or state.status not in OWING or category not in (None, kind):
            continue
        latest = last.get(unit_id)
        owing.append(UnitOwing(name, state, tuple(liaisons[unit_id]), unit_id, kind, latest,
                               latest is not None and latest.at.astimezone(LOCAL_TZ).date()
                               == today))
    return month, owing


def last_reminders(session: Session, month: Month) -> dict[int, LastReminder]:
    """Each unit's latest reminder of the month (scheduled or by hand, any channel)."""
    found: dict[int, LastReminder] = {}
    for unit_id, at, sent_at, state in session.execute(
            select(Notice.unit_id, Notice.created_at, Notice.sent_at, Notice.state)
            .where(Notice.kind.in_(REMINDERS), Notice.period == str(month),
                   Notice.unit_id.is_not(None)).order_by(Notice.created_at, Notice.id)):
        found[unit_id] = LastReminder(at, sent_at, state)
    return found


def owing_now(session: Session, now: datetime, rules: Rules,
              unit_ids=None) -> ManualRun:
    """The units a reminder sent now reaches: those that owe the open month, have a bound
    liaison and were not reminded today (of `unit_ids` only, when given)."""
    month, owing = owe_list(session, now, rules)
    if unit_ids is not None:
        chosen = set(unit_ids)
        owing = [u for u in owing if u.unit_id in chosen]
    return ManualRun(
        month, tuple(u for u in owing if u.liaisons and not u.reminded_today),
        tuple(weekdays_only_days(month, rules.deadline)),
        skipped=tuple(u for u in owing if u.liaisons and u.reminded_today),
        unreachable=tuple(u for u in owing if not u.liaisons))


def audit_run(session: Session, run: ManualRun, at: datetime, actor: str, outcome: str,
              **details) -> None:
    """Record a run: outcome 'dry_run', 'refused' or 'sent', with its counts."""
    audit.record(session, at, actor, audit.MANUAL_REMINDER, str(run.month), None,
                 {"outcome": outcome, "units": len(run.units),
                  "liaisons": run.liaison_count, "skipped": len(run.skipped), **details})


def when(at: datetime) -> str:
    """A local instant with its weekday: 2026-03-20 08:30（周五）."""
    local = at.astimezone(LOCAL_TZ)
    return f"{local:%Y-%m-%d %H:%M}（周{WEEKDAY_NAMES[local.weekday()]}）"


def refusal(now: datetime, allowed: datetime, cfg: RemindersConfig) -> str:
    """Why nothing was sent now, and when it may be."""
    return (f"现在（{when(now)}）不在提醒时段（工作日 {cfg.quiet_start}–{cfg.quiet_end}），"
            f"没有发送。\n下一个可以发送的时间：{when(allowed)}。")


@dataclass(frozen=True)
class Outcome:
    """What a manual run did: 'dry_run', 'refused' or 'sent'; how many notices it queued."""

    run: ManualRun
    outcome: str
    next_allowed: datetime | None   # None: now is within the quiet hours
    queued: int = 0


def remind_now(services, actor: str, *, dry_run: bool = False, force: bool = False,
               unit_ids=None) -> Outcome:
    """Remind now the units that owe (of `unit_ids`, when given), through the notices path
    the schedule uses: refused outside the quiet hours unless forced; audited either way."""
    now, rules = services.clock.now(), services.conversation.rules
    allowed = next_allowed(now, services.config.reminders, rules.deadline)
    refused = allowed is not None and not force
    with UnitOfWork(services.session_factory) as uow:
        run = owing_now(uow.session, now, rules, unit_ids)
        outcome = "dry_run" if dry_run else "refused" if refused else "sent"
        audit_run(uow.session, run, now, actor, outcome, forced=force,
                  next_allowed=allowed.isoformat() if allowed else None)
        uow.commit()
    queued = fire(services, run.occurrence(now)) if outcome == "sent" and run.units else 0
    return Outcome(run, outcome, allowed, queued)
