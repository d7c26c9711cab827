"""The deadline calendar: when a month's summary is complete, due, and how it stands,
which months are judged, and which instant a message counts as sent at."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Callable, Iterable, NamedTuple, Sequence
from zoneinfo import ZoneInfo

from scoring.holidays import Arrangement, WorkCalendar
from scoring.periods import Month, filing_month, is_due, period_label  # noqa: F401 (theirs)
from scoring.returns import Fix, completed_after_returns, fix_deadline
from scoring.status_words import STATUS_LABELS

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# A workday is always found within this many days; the bound only guards bad extra lists.
_MAX_SHIFT_DAYS = 366


@dataclass(frozen=True)
class DeadlineRules:
    """When a month's summary is due (RUBRIC.md "Periods and deadlines")."""

    day: int = 25
    inclusive: bool = False
    holiday_shift: bool = False
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    arrangements: tuple[Arrangement, ...] = ()   # the office's 放假调休安排, one per year
    # (category, months): a category that reports once every two months or more ("*":
    # every category); one period's summary is due in its last month (the rubric's
    # [submissions] every)
    every: tuple[tuple[str, int], ...] = ()
    # working days after a return (退回) within which a fix keeps the completion time
    fix_working_days: int = 3
    calendar: WorkCalendar = field(init=False, repr=False, compare=False, hash=False)
    _every: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 31:
            raise ValueError(f"截止日应在1到31之间：{self.day}")
        if not 0 <= self.fix_working_days <= 60:
            raise ValueError(f"退回后补交的工作日数应在0到60之间：{self.fix_working_days}")
        both = self.extra_holidays & self.extra_workdays
        if both:
            days = "、".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"同一天不能既是补充假日又是调休上班日：{days}")
        object.__setattr__(self, "calendar", WorkCalendar(
            self.extra_holidays, self.extra_workdays, tuple(self.arrangements)))
        object.__setattr__(self, "_every", dict(self.every))  # asked for every unit's month

    def every_for(self, category: str) -> int:
        """How many months one summary of the category covers (1: every month)."""
        return self._every.get(category, self._every.get("*", 1))


@dataclass(frozen=True)
class CompletionRules:
    """What makes a month's summary complete."""

    min_chars: int = 50
    min_photos: int = 1


class Material(NamedTuple):
    """One item in effect in a month's summary (a tuple: cheap in tables of thousands)."""

    at: datetime
    chars: int = 0
    photos: int = 0


class MonthStatus(str, enum.Enum):
    """How a unit's month stands at a given time."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    PENDING = "pending"
    WAIVED = "waived"
    EXEMPT = "exempt"
    NOT_DUE = "not_due"     # a month inside a longer period: its summary is the period's

    @property
    def label(self) -> str:
        """Name the status in Chinese."""
        return STATUS_LABELS[self.value]


def count_chars(text: str) -> int:
    """Count the characters of a text, leaving out all whitespace."""
    return len("".join(text.split()))  # split() drops exactly what isspace() calls space


def _require_aware(t: datetime) -> None:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"时间缺少时区：{t.isoformat()}")


def local(t: datetime) -> datetime:
    """Express an aware instant in Asia/Shanghai time."""
    _require_aware(t)
    return t.astimezone(LOCAL_TZ)


def month_of(t: datetime) -> Month:
    """Return the local (Asia/Shanghai) month of an aware instant."""
    t = local(t)
    return Month(t.year, t.month)


def is_workday(d: date, rules: DeadlineRules) -> bool:
    """Tell whether a day is a working day: the office's arrangements, the extra lists,
    the statutory calendar package, else Monday to Friday (scoring/holidays.py)."""
    return rules.calendar.is_workday(d)


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=LOCAL_TZ)


def _next_workday(d: date, rules: DeadlineRules) -> date:
    for step in range(1, _MAX_SHIFT_DAYS + 1):
        candidate = d + timedelta(days=step)
        if is_workday(candidate, rules):
            return candidate
    raise ValueError(f"{d.isoformat()}之后一年内没有工作日")


@lru_cache(maxsize=512)  # pure, and asked for on every message
def deadline(month: Month, rules: DeadlineRules) -> datetime:
    """Return the local instant before which a month's summary counts as on time.

    Default: day `rules.day` 00:00 local; inclusive: the day after, 00:00. With
    holiday_shift and a non-working deadline day, the end of the next working day,
    whatever `inclusive` says. The day is clamped to the month's length.
    """
    due = date(month.year, month.month, min(rules.day, month.days()))
    if rules.holiday_shift and not is_workday(due, rules):
        return _midnight(_next_workday(due, rules) + timedelta(days=1))
    if rules.inclusive:
        return _midnight(due + timedelta(days=1))
    return _midnight(due)


def month_judged(due: datetime, registered_at: datetime) -> bool:
    """Judge a unit's month only when its deadline came after the unit was on the bot."""
    return due > registered_at


def meets(chars: int, photos: int, rules: CompletionRules) -> bool:
    """Tell whether totals of this many characters and photos meet the completion rules."""
    return chars >= rules.min_chars and photos >= rules.min_photos


def completed_at(materials: Iterable[Material], rules: CompletionRules) -> datetime | None:
    """Return the first instant the materials together meet the thresholds, or None."""
    chars = photos = 0
    for item in sorted(materials, key=lambda m: m.at):
        chars += item.chars
        photos += item.photos
        if meets(chars, photos, rules):
            return item.at
    return None


def month_status(month: Month, completed: datetime | None, now: datetime,
                 rules: DeadlineRules, *, waived: bool = False,
                 exempt: bool = False, due: bool = True) -> MonthStatus:
    """Judge a month's summary at `now`, given when it became complete (None: it is not);
    a month in which no summary falls due (`due` false) is NOT_DUE."""
    _require_aware(now)
    if completed is not None:
        _require_aware(completed)
    if not due:
        return MonthStatus.NOT_DUE
    if exempt:
        return MonthStatus.EXEMPT
    due = deadline(month, rules)
    if completed is not None and completed < due:
        return MonthStatus.ON_TIME
    if waived:
        return MonthStatus.WAIVED
    if completed is not None:
        return MonthStatus.LATE
    if now >= due:
        return MonthStatus.MISSING
    return MonthStatus.PENDING


class MonthJudgement(NamedTuple):
    """A month judged at a given time: when it became complete (None: it is not), how it
    stands, and its latest return (None: never returned; scoring/returns.py)."""

    completed_at: datetime | None
    status: MonthStatus
    fix: Fix | None = None

    @property
    def complete(self) -> bool:
        return self.completed_at is not None


def judge_month(month: Month, materials: Iterable[Material], now: datetime,
                drules: DeadlineRules, crules: CompletionRules, *, waived: bool = False,
                exempt: bool = False, totals: tuple[int, int] | None = None,
                category: str = "", returns: Sequence[datetime] = ()) -> MonthJudgement:
    """Judge a unit's month at `now` from its items in effect (in any order) and the
    office's returns of it (instants): whether and when it became complete, and whether
    that was on time, late, or it is missing. Every reader of a month's standing asks here.

    `totals`: the materials' (characters, photos) summed already; `materials` (maybe
    lazy) are then read only if they meet the rules: running sums only grow. A month in
    which the `category` has no summary due is NOT_DUE.
    """
    returns, fix = [r for r in returns if r <= now], None   # none judged before it came
    if totals is not None and not meets(*totals, crules):
        done = None
        if returns:
            fix = Fix(max(returns), fix_deadline(max(returns), drules))
    elif returns:
        items = sorted(materials, key=lambda m: m.at)
        done, fix = completed_after_returns(items, completed_at(items, crules), drules,
                                            returns)
    else:
        done = completed_at(materials, crules)
    return MonthJudgement(done, month_status(month, done, now, drules, waived=waived,
                                             exempt=exempt,
                                             due=is_due(month, category, drules)), fix)


def open_month(now: datetime, is_complete: Callable[[Month], bool],
               rules: DeadlineRules, category: str = "") -> Month:
    """Return the month new materials belong to at `now`.

    The current local month (for a category reporting every few months: the last month
    of the current period) until its deadline; after it, still that month while it is
    incomplete (a late summary is still wanted), else the next period's.
    """
    current = filing_month(month_of(now), category, rules)
    if now < deadline(current, rules) or not is_complete(current):
        return current
    return filing_month(current.next(), category, rules)


def time_left(now: datetime, until: datetime) -> str:
    """Say in Chinese how long remains until `until`, e.g. 3天4小时 or 已过期."""
    _require_aware(now)
    _require_aware(until)
    if until <= now:
        return "已过期"
    minutes = int((until - now).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分" if mins else f"{hours}小时"
    if mins:
        return f"{mins}分钟"
    return "不到1分钟"


# Which instant a message counts as sent at: the platform's own send time, or the receipt.
#
# A platform's send time (WeCom's CreateTime, DingTalk's createAt) is part of a body that a
# replay or a broken clock can carry anywhere: 1970, 2100, or last month. It decides on
# time or late only while it is plausible: not after the receipt by more than the clock
# skew between the platform and us, and not before it by more than the platform's retry
# window (a retried delivery legitimately arrives late). Otherwise the receipt time counts.
@dataclass(frozen=True)
class SendTimeWindow:
    """How far a platform's send time may lie from the receipt and still count."""

    max_ahead: timedelta    # after the receipt: the clocks' skew
    max_delay: timedelta    # before the receipt: the platform's retries, plus the skew


def counted_send_time(sent_at: datetime | None, received_at: datetime,
                      window: SendTimeWindow) -> datetime:
    """The platform's send time if it lies within the window around the receipt, else the receipt time.

    Both bounds are inclusive; a message without a usable send time (None) counts at its receipt.
    """
    if sent_at is None:
        return received_at
    if received_at - window.max_delay <= sent_at <= received_at + window.max_ahead:
        return sent_at
    return received_at
