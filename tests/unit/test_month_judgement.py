"""scoring.judge_month: the one judgement of a month (complete, since when, on time, late,
missing) that receipts, 状态, 查分, the board, the tables, reminders and evidence packs read."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import (LOCAL_TZ, CompletionRules, DeadlineRules, Material, Month, MonthStatus,
                     deadline, judge_month, meets)

MARCH = Month(2026, 3)
DUE = deadline(MARCH, DeadlineRules())  # 2026-03-25 00:00 Shanghai
START = datetime(2026, 3, 1, tzinfo=LOCAL_TZ)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def judge(materials, now=sh(2026, 4, 10), crules=CompletionRules(), **kw):
    return judge_month(MARCH, materials, now, DeadlineRules(), crules, **kw)


class Unreadable:
    """Materials a judgement must not read."""

    def __iter__(self):
        raise AssertionError("the materials were read")


def test_a_month_completed_before_its_deadline_is_on_time_since_the_item_that_completed_it():
    got = judge([Material(sh(2026, 3, 10), chars=60), Material(sh(2026, 3, 12), photos=1),
                 Material(sh(2026, 3, 20), chars=10)])
    assert (got.complete, got.completed_at, got.status) == (True, sh(2026, 3, 12),
                                                            MonthStatus.ON_TIME)


def test_an_item_that_completes_the_month_at_the_deadline_instant_makes_it_late():
    got = judge([Material(sh(2026, 3, 10), chars=60), Material(DUE, photos=1)])
    assert (got.completed_at, got.status) == (DUE, MonthStatus.LATE)


def test_an_incomplete_month_is_pending_before_its_deadline_and_missing_from_it():
    short = [Material(sh(2026, 3, 10), chars=49, photos=3)]
    assert judge(short, now=DUE - timedelta(seconds=1)).status is MonthStatus.PENDING
    assert judge(short, now=DUE).status is MonthStatus.MISSING
    assert judge(short).completed_at is None


def test_the_office_excuses_come_into_the_judgement():
    assert judge([], waived=True).status is MonthStatus.WAIVED
    assert judge([], exempt=True).status is MonthStatus.EXEMPT
    late = [Material(sh(2026, 4, 1), chars=60, photos=1)]
    assert judge(late, waived=True).status is MonthStatus.WAIVED


def test_totals_short_of_the_rules_leave_the_items_unread():
    got = judge(Unreadable(), totals=(49, 1))
    assert (got.completed_at, got.status) == (None, MonthStatus.MISSING)


def test_totals_that_meet_the_rules_have_the_items_say_when():
    items = [Material(sh(2026, 3, 20), chars=60), Material(sh(2026, 3, 2), photos=1)]
    assert judge(iter(items), totals=(60, 1)).completed_at == sh(2026, 3, 20)


def test_the_thresholds_are_met_at_exactly_the_minimum():
    rules = CompletionRules(min_chars=50, min_photos=1)
    assert meets(50, 1, rules) and not meets(49, 1, rules) and not meets(500, 0, rules)


# --- properties ----------------------------------------------------------------------

materials = st.lists(st.builds(
    Material,
    at=st.integers(0, 40 * 24 * 60).map(lambda m: START + timedelta(minutes=m)),
    chars=st.sampled_from([0, 10, 30, 60, 200]),
    photos=st.integers(0, 2)), max_size=12)
rules = st.builds(CompletionRules, min_chars=st.sampled_from([0, 50, 120]),
                  min_photos=st.integers(0, 3))
nows = st.integers(0, 60 * 24).map(lambda h: START + timedelta(hours=h))
excuses = st.sampled_from([{}, {"waived": True}, {"exempt": True}])


@settings(max_examples=300, deadline=None)
@given(materials, rules, nows, excuses)
def test_judged_from_summed_totals_or_item_by_item_the_month_is_judged_alike(
        items, crules, now, excuse):
    totals = (sum(m.chars for m in items), sum(m.photos for m in items))
    assert judge(items, now, crules, totals=totals, **excuse) == \
        judge(items, now, crules, **excuse)


@settings(max_examples=300, deadline=None)
@given(materials, rules, nows, st.randoms(use_true_random=False))
def test_the_order_items_come_in_does_not_matter(items, crules, now, rnd: random.Random):
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert judge(shuffled, now, crules) == judge(items, now, crules)


@settings(max_examples=300, deadline=None)
@given(materials, rules)
def test_completion_is_the_first_instant_the_running_totals_meet_the_rules(items, crules):
    done = judge(items, crules=crules).completed_at
    ordered = sorted(items, key=lambda m: m.at)

    def met_by(t: datetime) -> bool:
        upto = [m for m in ordered if m.at <= t]
        return meets(sum(m.chars for m in upto), sum(m.photos for m in upto), crules)

    if done is None:
        assert not any(met_by(m.at) for m in ordered)
    else:
        assert done in {m.at for m in items} and met_by(done)
        assert not any(met_by(m.at) for m in ordered if m.at < done)


@settings(max_examples=300, deadline=None)
@given(materials, rules, nows, materials)
def test_more_items_never_undo_a_completion_nor_make_it_later(items, crules, now, more):
    before = judge(items, now, crules)
    after = judge(items + more, now, crules)
    if before.complete:
        assert after.complete and after.completed_at <= before.completed_at
        if before.status is MonthStatus.ON_TIME:
            assert after.status is MonthStatus.ON_TIME


@settings(max_examples=300, deadline=None)
@given(materials, rules, nows, excuses)
def test_the_status_follows_the_completion_time_the_deadline_and_the_excuse(
        items, crules, now, excuse):
    got = judge(items, now, crules, **excuse)
    if excuse.get("exempt"):
        expected = MonthStatus.EXEMPT
    elif got.complete and got.completed_at < DUE:
        expected = MonthStatus.ON_TIME
    elif excuse.get("waived"):
        expected = MonthStatus.WAIVED
    elif got.complete:
        expected = MonthStatus.LATE
    else:
        expected = MonthStatus.MISSING if now >= DUE else MonthStatus.PENDING
    assert got.status is expected


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        judge([Material(datetime(2026, 3, 5), chars=60, photos=1)])
