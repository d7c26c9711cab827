"""The office's returns (退回) of a month's summary, judged (scoring.judge_month asks here).

A return says the materials sent so far do not do: from the return until the liaison
sends materials after it, the month is incomplete. A fix within `fix_working_days`
working days of the return (DeadlineRules, the project's holiday calendar) keeps the
completion time the month had; a later fix counts from the fix, and so may be late.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, NamedTuple, Sequence
from zoneinfo import ZoneInfo

if TYPE_CHECKING:   # the calendar imports this module: its types only, for the reader
    from scoring.calendar import DeadlineRules, Material

_LOCAL = ZoneInfo("Asia/Shanghai")
_MAX_DAYS_OFF = 366   # a working day is always found within this; guards a bad calendar


class Fix(NamedTuple):
    """A month's latest return, judged: when it was returned, the instant before which a
    fix keeps the month's completion time, and when it was fixed (None: not yet)."""

    returned_at: datetime
    fix_by: datetime
    fixed_at: datetime | None = None

    @property
    def fixed(self) -> bool:
        return self.fixed_at is not None

    @property
    def in_time(self) -> bool:
        """Fixed before `fix_by`: the month keeps the completion time it had."""
        return self.fixed_at is not None and self.fixed_at < self.fix_by


def fix_deadline(returned_at: datetime, rules: DeadlineRules) -> datetime:
    """The instant a fix of a month returned at `returned_at` must come before to keep the
    month's completion time: the end of the `fix_working_days`-th working day after the
    return's (local) day (0: the end of the return's own day)."""
    day = returned_at.astimezone(_LOCAL).date()
    for _ in range(rules.fix_working_days):
        day = next(day + timedelta(days=n) for n in range(1, _MAX_DAYS_OFF + 1)
                   if rules.calendar.is_workday(day + timedelta(days=n)))
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=_LOCAL)


def completed_after_returns(items: Sequence[Material], first_met: datetime | None,
                            drules: DeadlineRules, returns: Sequence[datetime]
                            ) -> tuple[datetime | None, Fix | None]:
    """When a returned month counts as complete, and its latest return judged, from its
    items in effect in send order and the instant they first met the rules (None: never).

    Each return, oldest first, is fixed by the first item sent after it once the items
    meet the rules; unfixed, the month is incomplete. Fixed before its `fix_deadline`, the
    completion time stays what it was; later, it becomes the fix's time.
    """
    done, fix = first_met, None
    for returned in sorted(returns):
        by = fix_deadline(returned, drules)
        fixed = None if first_met is None else next(
            (m.at for m in items if m.at > returned and m.at >= first_met), None)
        fix = Fix(returned, by, fixed)
        if fixed is None:
            done = None
        elif done is not None and not fix.in_time:
            done = fixed
    return done, fix
