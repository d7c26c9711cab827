"""Which quarters are assessed for a unit, and what the year's mean runs over (pure)."""
from __future__ import annotations

from decimal import Decimal

from scoring import (DeadlineRules, Quarter, RubricParams, assess_quarter, month_judged,
                     score_by_hand, score_year, year_label, year_quarters)
from tests.conftest import shanghai

RULES = DeadlineRules()
Q4 = Quarter(2026, 4)


def test_a_month_is_judged_only_when_its_deadline_comes_after_registration():
    due = shanghai(2026, 11, 25, 0, 0, 0)
    assert month_judged(due, shanghai(2026, 11, 24, 23, 59, 59))
    assert not month_judged(due, due)
    assert not month_judged(due, shanghai(2026, 11, 28, 10, 0, 0))


def test_a_quarter_with_one_judged_month_is_assessed():
    found = assess_quarter(Q4, shanghai(2026, 11, 28, 10, 0, 0), RULES,
                           facts_entered=False, total_by_hand=False)
    assert (found.assessed, found.by_hand, found.note) == (True, False, "")


def test_a_quarter_that_ended_before_registration_is_not_assessed_and_says_why():
    found = assess_quarter(Quarter(2025, 4), shanghai(2026, 11, 28, 10, 0, 0), RULES,
                           facts_entered=False, total_by_hand=False)
    assert not found.assessed
    assert found.note == "未纳入：单位于2026年11月登记"


def test_registration_after_the_last_deadline_of_the_quarter_names_the_day():
    found = assess_quarter(Q4, shanghai(2026, 12, 26, 9, 0, 0), RULES,
                           facts_entered=False, total_by_hand=False)
    assert found.reason == "单位于2026年12月26日登记，晚于本季度各月小结截止"


def test_facts_or_a_hand_entered_total_make_a_quarter_assessed():
    late = shanghai(2027, 2, 1, 9, 0, 0)
    by_facts = assess_quarter(Q4, late, RULES, facts_entered=True, total_by_hand=False)
    by_hand = assess_quarter(Q4, late, RULES, facts_entered=True, total_by_hand=True)
    assert by_facts.assessed and not by_facts.by_hand
    assert by_hand.assessed and by_hand.by_hand and by_hand.note == "手工录入"


def test_a_hand_entered_total_has_no_items_and_its_percent_of_the_standard():
    params = RubricParams()
    result = score_by_hand(Q4, "department", Decimal("45.555"), params)
    assert result.total == Decimal("45.56") and result.items == {} and result.pending == ()
    assert result.standard == params.standard("department")
    assert result.percent == round(Decimal("45.56") * 100 / params.standard("department"), 2)


def test_the_year_runs_over_the_assessed_quarters_that_have_ended_and_says_which():
    assessed = assess_quarter(Quarter(2026, 3), shanghai(2026, 7, 1, 9, 0, 0), RULES,
                              facts_entered=False, total_by_hand=False)
    left_out = assess_quarter(Quarter(2026, 2), shanghai(2026, 7, 1, 9, 0, 0), RULES,
                              facts_entered=False, total_by_hand=False)
    by_quarter = {Quarter(2026, 2): left_out, Quarter(2026, 3): assessed,
                  Quarter(2026, 4): assessed}
    ended = [Quarter(2026, q) for q in (1, 2, 3)]
    assert year_quarters(by_quarter, ended) == [Quarter(2026, 3)]
    assert year_label(2026, [Quarter(2026, 4), Quarter(2026, 3)], True) == \
        "2026年（按第三、四季度平均，暂定）"
    assert year_label(2026, [Quarter(2026, q) for q in (1, 2, 3, 4)], False) == \
        "2026年（按第一、二、三、四季度平均）"


def test_the_issues_year_is_the_mean_of_its_two_assessed_quarters():
    result = score_year({"year": 2026, "quarters": {"2026Q2": "85", "2026Q3": "72.5"},
                         "provisional": True})
    assert (result["mean"], result["total"]) == ("78.75", "78.75")
