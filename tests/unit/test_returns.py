"""A returned month (退回) in scoring.judge_month: incomplete from the return until an item is
sent after it; a fix within `fix_working_days` working days of the return (by the holiday
calendar) keeps the completion time, a later one counts from the fix."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import (LOCAL_TZ, Arrangement, CompletionRules, DeadlineRules, Holiday, Material,
                     Month, MonthStatus, fix_deadline, judge_month)

MARCH = Month(2026, 3)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


COMPLETE = [Material(sh(2026, 3, 10, 9), chars=60), Material(sh(2026, 3, 10, 9, 5), photos=1)]


def judge(materials, returns, now=sh(2026, 4, 20), rules=DeadlineRules(), **kw):
    return judge_month(MARCH, materials, now, rules, CompletionRules(), returns=returns, **kw)


def test_the_fix_deadline_counts_working_days_after_the_returns_day():
    # Thursday 12 March 2026, 10:00: Friday 13th, Monday 16th, Tuesday 17th
    assert fix_deadline(sh(2026, 3, 12, 10), DeadlineRules()) == sh(2026, 3, 18)
    assert fix_deadline(sh(2026, 3, 12, 23, 59), DeadlineRules(fix_working_days=1)) == \
        sh(2026, 3, 14)
    assert fix_deadline(sh(2026, 3, 14, 10), DeadlineRules(fix_working_days=0)) == sh(2026, 3, 15)


def test_the_fix_deadline_skips_the_national_day_holiday_and_counts_its_make_up_saturday():
    # 2026: 1–7 October off, Saturday 10 October a working day
    assert fix_deadline(sh(2026, 9, 30, 16), DeadlineRules()) == sh(2026, 10, 11)


def test_the_fix_deadline_follows_the_offices_arrangement():
    office = Arrangement(2027, (Holiday("春节", date(2027, 2, 5), date(2027, 2, 13)),),
                         (date(2027, 2, 20),))
    rules = DeadlineRules(arrangements=(office,))
    # Thursday 4 February 2027: the holiday, then Mon 15, Tue 16, Wed 17
    assert fix_deadline(sh(2027, 2, 4, 10), rules) == sh(2027, 2, 18)


def test_a_returned_month_is_incomplete_until_something_is_sent_after_the_return():
    got = judge(COMPLETE, [sh(2026, 3, 12, 10)], now=sh(2026, 3, 20))
    assert (got.completed_at, got.status) == (None, MonthStatus.PENDING)
    assert got.fix.fix_by == sh(2026, 3, 18) and not got.fix.fixed
    late = judge(COMPLETE, [sh(2026, 3, 12, 10)], now=sh(2026, 3, 25))
    assert late.status is MonthStatus.MISSING


def test_a_fix_in_time_keeps_the_original_completion_time():
    fixed = COMPLETE + [Material(sh(2026, 3, 17, 23, 59), photos=1)]
    got = judge(fixed, [sh(2026, 3, 12, 10)])
    assert (got.completed_at, got.status) == (sh(2026, 3, 10, 9, 5), MonthStatus.ON_TIME)
    assert got.fix.in_time and got.fix.fixed_at == sh(2026, 3, 17, 23, 59)


def test_a_fix_after_the_working_days_counts_from_the_fix_and_may_be_late():
    before = COMPLETE + [Material(sh(2026, 3, 20, 9), chars=5)]
    assert judge(before, [sh(2026, 3, 12, 10)]).completed_at == sh(2026, 3, 20, 9)
    assert judge(before, [sh(2026, 3, 12, 10)]).status is MonthStatus.ON_TIME
    after = COMPLETE + [Material(sh(2026, 3, 30, 9), chars=5)]
    got = judge(after, [sh(2026, 3, 24, 10)])   # fix by Friday 27th
    assert (got.completed_at, got.status) == (sh(2026, 3, 30, 9), MonthStatus.LATE)
    assert not got.fix.in_time


def test_a_month_returned_before_it_was_complete_completes_when_its_items_do():
    early = [Material(sh(2026, 3, 5), chars=60)]
    items = early + [Material(sh(2026, 3, 9), photos=1)]
    got = judge(items, [sh(2026, 3, 6)])
    assert got.completed_at == sh(2026, 3, 9) and got.fix.fixed_at == sh(2026, 3, 9)
    unmet = judge(early, [sh(2026, 3, 6)], now=sh(2026, 3, 20), totals=(60, 0))
    assert unmet.completed_at is None and unmet.fix.fix_by == sh(2026, 3, 12)


def test_each_return_counts_and_only_the_latest_is_reported():
    items = COMPLETE + [Material(sh(2026, 3, 26, 9), photos=1),     # late fix of the first
                        Material(sh(2026, 3, 31, 9), photos=1)]     # in time for the second
    got = judge(items, [sh(2026, 3, 30, 10), sh(2026, 3, 20, 10)])
    assert got.completed_at == sh(2026, 3, 26, 9) and got.status is MonthStatus.LATE
    assert got.fix.returned_at == sh(2026, 3, 30, 10) and got.fix.in_time


def test_a_return_judged_before_it_happened_does_not_count():
    got = judge(COMPLETE, [sh(2026, 3, 12, 10)], now=sh(2026, 3, 11))
    assert got.fix is None and got.completed_at == sh(2026, 3, 10, 9, 5)


def test_a_waived_month_stays_waived_while_its_return_is_unfixed():
    got = judge(COMPLETE, [sh(2026, 3, 12, 10)], waived=True)
    assert got.status is MonthStatus.WAIVED and got.completed_at is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40 * 24), st.integers(0, 40), st.integers(0, 1)),
                max_size=8),
       st.lists(st.integers(0, 40 * 24), max_size=3), st.integers(0, 5))
def test_a_return_never_makes_a_month_complete_earlier(items, returns, days):
    start = sh(2026, 3, 1)
    materials = [Material(start + timedelta(hours=h), c, p) for h, c, p in items]
    backs = [start + timedelta(hours=h, minutes=30) for h in returns]
    rules = DeadlineRules(fix_working_days=days)
    plain = judge(materials, (), rules=rules)
    got = judge(materials, backs, rules=rules)
    if got.completed_at is not None:
        assert plain.completed_at is not None and got.completed_at >= plain.completed_at
        assert got.completed_at == plain.completed_at or got.completed_at > min(backs)
