"""A unit's month judged: whether and when it became complete, and how it stands, with the
office's returns (退回) of its summary.

A return says the materials sent so far do not do: from the return until the liaison
sends materials after it, the month is incomplete. A fix within `fix_working_days`
working days of the return (DeadlineRules, the project's holiday calendar) keeps the
completion time the month had; a later fix counts from the fix, and so may be late.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, NamedTuple, Sequence

from scoring.calendar import (CompletionRules, DeadlineRules, Material, MonthStatus,
                              completed_at, is_due, local, meets, midnight, month_status,
                              next_workday)
from scoring.periods import Month


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


class MonthJudgement(NamedTuple):
    """A month judged at a given time: when it became complete (None: it is not), how it
    stands, and its latest return (None: never returned)."""

    completed_at: datetime | None
    status: MonthStatus
    fix: Fix | None = None

    @property
    def complete(self) -> bool:
        return self.completed_at is not None


def fix_deadline(returned_at: datetime, rules: DeadlineRules) -> datetime:
    """The instant a fix of a month returned at `returned_at` must come before to keep the
    month's completion time: the end of the `fix_working_days`-th working day after the
    return's (local) day (0: the end of the return's own day)."""
    day = local(returned_at).date()
    for _ in range(rules.fix_working_days):
        day = next_workday(day, rules)
    return midnight(day + timedelta(days=1))


def completed_after_returns(materials: Iterable[Material], crules: CompletionRules,
                            drules: DeadlineRules, returns: Sequence[datetime]
                            ) -> tuple[datetime | None, Fix | None]:
    """When a returned month counts as complete, and its latest return judged.

    Without returns: the first instant the materials meet the rules. Each return, oldest
    first, is fixed by the first item sent after it once the month's items meet the rules;
    unfixed, the month is incomplete. Fixed before its `fix_deadline`, the completion time
    stays what it was; later, it becomes the fix's time.
    """
    items = sorted(materials, key=lambda m: m.at)
    done = first_met = completed_at(items, crules)
    fix = None
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


def judge_month(month: Month, materials: Iterable[Material], now: datetime,
                drules: DeadlineRules, crules: CompletionRules, *, waived: bool = False,
                exempt: bool = False, totals: tuple[int, int] | None = None,
                category: str = "", returns: Sequence[datetime] = ()) -> MonthJudgement:
    """Judge a unit's month at `now` from its items in effect (in any order) and the
    office's returns of it (`returns`, instants): whether and when it became complete,
    and whether that was on time, late, or it is missing.

    Every reader of a month's standing asks here: receipts, 状态, 查分, the tables, the
    board, reminders, evidence packs. `totals`, the materials' (characters, photos) when
    the caller has them summed already (the database may sum them): `materials` are then
    read only if the totals meet the rules, and may be a lazy iterable that loads them.
    Running sums only grow, so a month is complete exactly when its totals meet the
    rules; only then does the moment they were first met need the items. A month in
    which the unit's `category` has no summary due is NOT_DUE (its period's last month
    holds the materials).
    """
    returns = [r for r in returns if r <= now]   # a return judged later has not happened
    fix = None
    if totals is not None and not meets(*totals, crules):
        done = None
        if returns:
            latest = max(returns)
            fix = Fix(latest, fix_deadline(latest, drules))
    elif returns:
        done, fix = completed_after_returns(materials, crules, drules, returns)
    else:
        done = completed_at(materials, crules)
    return MonthJudgement(done, month_status(month, done, now, drules, waived=waived,
                                             exempt=exempt,
                                             due=is_due(month, category, drules)), fix)
