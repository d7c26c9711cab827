"""When each notice of a month or quarter is due: pure planning from the config and calendar.

Reminders never fall on a non-working day or outside the quiet hours: they move
earlier, so that the last one still comes before the deadline. Notices after the
deadline (missed, digest, quarter results) move to the next working day instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.config_sections import RemindersConfig
from scoring import LOCAL_TZ, DeadlineRules, Month, Quarter, deadline, is_workday

REMINDER, MISSED, DIGEST, QUARTER_RESULT = "reminder", "missed", "digest", "quarter_result"
MANUAL = "manual"  # reminders sent by hand (`python -m bot remind`, the console's button)
_MAX_DAYS_OFF = 60  # no run of days off is longer; the bound only guards a bad calendar


@dataclass(frozen=True, order=True)
class Occurrence:
    """One notice due at `at` (aware, local) for a period ('2026-03' or '2026Q1').

    A manual reminder's slot is its local day (20260320): its notices are recorded once per
    unit, channel and day; `units` are the units it reminds.
    """

    at: datetime
    kind: str
    period: str
    slot: int = 0
    units: tuple[int, ...] | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return f"{self.kind}{self.slot}" if self.kind in (REMINDER, DIGEST, MANUAL) else self.kind


def _clock(text: str) -> time:
    hh, mm = text.split(":")
    return time(int(hh), int(mm))


def slot_date(slot: str, month: Month, due: datetime) -> tuple[date, time]:
    """The date and time a slot names: '20 09:10' in the month, '-1 16:10' from the deadline."""
    day, clock = slot.split()
    if day[0] in "+-":
        return due.date() + timedelta(days=int(day)), _clock(clock)
    last = (month.next().first_day() - timedelta(days=1)).day
    return month.first_day().replace(day=min(int(day), last)), _clock(clock)


def earlier_into_hours(at: datetime, cfg: RemindersConfig, rules: DeadlineRules) -> datetime:
    """Move a reminder earlier until it is on a working day within the quiet hours."""
    start, end = _clock(cfg.quiet_start), _clock(cfg.quiet_end)
    latest = (datetime.combine(date.min, end) - timedelta(minutes=10)).time()
    for _ in range(60):
        local = at.astimezone(LOCAL_TZ)
        if local.time() >= end:
            at = datetime.combine(local.date(), latest, LOCAL_TZ)
            continue
        if local.time() < start:
            at = datetime.combine(local.date() - timedelta(days=1), latest, LOCAL_TZ)
            continue
        if not is_workday(local.date(), rules):
            at = datetime.combine(local.date() - timedelta(days=1), local.time(), LOCAL_TZ)
            continue
        return at
    return at


def later_onto_workday(at: datetime, rules: DeadlineRules) -> datetime:
    """Move a notice to the next working day, same time, if it falls on a day off."""
    local = at.astimezone(LOCAL_TZ)
    day = local.date()
    for _ in range(60):
        if is_workday(day, rules):
            break
        day += timedelta(days=1)
    return datetime.combine(day, local.time(), LOCAL_TZ)


def month_occurrences(month: Month, cfg: RemindersConfig,
                      rules: DeadlineRules) -> list[Occurrence]:
    """A month's reminders (before its deadline), missed notice and digests."""
    due = deadline(month, rules)
    found: dict[tuple[str, datetime], Occurrence] = {}
    for n, slot in enumerate(cfg.schedule):
        day, clock = slot_date(slot, month, due)
        at = earlier_into_hours(datetime.combine(day, clock, LOCAL_TZ), cfg, rules)
        if at < due:
            found.setdefault((REMINDER, at), Occurrence(at, REMINDER, str(month), n))
    day, clock = slot_date(cfg.missed, month, due)
    at = later_onto_workday(max(datetime.combine(day, clock, LOCAL_TZ), due), rules)
    found[(MISSED, at)] = Occurrence(at, MISSED, str(month))
    for n, slot in enumerate(cfg.digest):
        day, clock = slot_date(slot, month, due)
        at = datetime.combine(day, clock, LOCAL_TZ)
        at = earlier_into_hours(at, cfg, rules) if at < due else later_onto_workday(at, rules)
        found.setdefault((DIGEST, at), Occurrence(at, DIGEST, str(month), n))
    return sorted(found.values())


def quarter_result_occurrence(quarter: Quarter, cfg: RemindersConfig,
                              rules: DeadlineRules) -> Occurrence:
    """The ended quarter's results, on the first working day of the next quarter."""
    first = quarter.next().months()[0].first_day()
    at = later_onto_workday(datetime.combine(first, _clock(cfg.quarter_result), LOCAL_TZ), rules)
    return Occurrence(at, QUARTER_RESULT, str(quarter))


def due_now(now: datetime, cfg: RemindersConfig, rules: DeadlineRules) -> list[Occurrence]:
    """The occurrences whose time has come and is still within the grace period.

    A reminder is never sent once its month's deadline has passed.
    """
    grace = timedelta(hours=cfg.grace_hours)
    local_month = Month(now.astimezone(LOCAL_TZ).year, now.astimezone(LOCAL_TZ).month)
    candidates = []
    for month in (local_month.prev(), local_month):
        candidates += month_occurrences(month, cfg, rules)
    candidates.append(quarter_result_occurrence(local_month.quarter.prev(), cfg, rules))
    due = []
    for occ in candidates:
        if not occ.at <= now < occ.at + grace:
            continue
        if occ.kind == REMINDER and now >= deadline(Month.parse(occ.period), rules):
            continue
        due.append(occ)
    return sorted(due)


def reminder_times(month: Month, cfg: RemindersConfig, rules: DeadlineRules) -> list[datetime]:
    """When the month's reminders go out (local), after moving off days off and the night."""
    return [o.at for o in month_occurrences(month, cfg, rules) if o.kind == REMINDER]


def weekdays_only_days(month: Month, rules: DeadlineRules) -> list[date]:
    """The days from the month's first to its deadline that nothing but Monday to Friday
    judges (neither the office, the config nor the package knows their year)."""
    first, last = month.first_day(), deadline(month, rules).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return rules.calendar.weekdays_only(days)


def next_allowed(now: datetime, cfg: RemindersConfig, rules: DeadlineRules) -> datetime | None:
    """None if a notice may go out now (a working day, within the quiet hours); else the
    next instant one may: the start of the quiet hours on the next working day."""
    start, end = _clock(cfg.quiet_start), _clock(cfg.quiet_end)
    local = now.astimezone(LOCAL_TZ)
    day = local.date()
    if is_workday(day, rules):
        if start <= local.time() < end:
            return None
        if local.time() < start:
            return datetime.combine(day, start, LOCAL_TZ)
    for _ in range(_MAX_DAYS_OFF):
        day += timedelta(days=1)
        if is_workday(day, rules):
            break
    return datetime.combine(day, start, LOCAL_TZ)
