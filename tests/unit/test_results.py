"""Typed scores in the process, JSON only at the edge: the typed results are the contract's
output as decimals, and the tables' rows write the JSON export's shape."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from bot.office.results import HandEntry, QuarterResult, ScoreRow, YearResult
from scoring import (Quarter, QuarterAssessment, quarter_score, score_by_hand, score_quarter,
                     score_year, year_score)
from scoring.params import DEFAULT, ITEM_IDS
from tests.unit.test_rubric import EXAMPLE, EXAMPLE_ITEMS

Q1 = Quarter(2026, 1)
YEAR = {"year": 2026, "quarters": {"2026Q1": "64.22", "2026Q2": "70"},
        "bonus": [{"kind": "host_event"}], "deductions": [{"points": "1", "reason": "敷衍"}]}


def test_the_typed_quarter_score_is_the_rubric_example_in_decimals():
    score = quarter_score(EXAMPLE)
    assert (score.quarter, score.category, score.total) == (Q1, "key", Decimal("64.22"))
    assert (score.standard, score.percent) == (Decimal("100"), Decimal("64.22"))
    assert tuple(score.items) == ITEM_IDS
    assert {i: item.score for i, item in score.items.items()} == {
        i: Decimal(v) for i, v in EXAMPLE_ITEMS.items()}
    assert score.items["1.1"].max == Decimal("1.5") and score.items["1.1"].title == "年度活动计划一览表"
    assert score.pending == ()


def test_the_dict_interface_writes_the_typed_score():
    assert score_quarter(EXAMPLE) == quarter_score(EXAMPLE).as_dict()
    partial = {"quarter": "2026Q1", "category": "department", "staff_on_post": 40}
    assert quarter_score(partial).pending == ("2.4", "3.1", "3.2", "5", "6.1", "6.2")
    assert score_quarter(partial) == quarter_score(partial).as_dict()
    assert score_year(YEAR) == year_score(YEAR).as_dict()


def test_the_typed_year_score_is_the_mean_plus_bonus_less_deductions_in_decimals():
    score = year_score(YEAR)
    assert (score.mean, score.bonus, score.deductions, score.total) == (
        Decimal("67.11"), Decimal("0.5"), Decimal("1"), Decimal("66.61"))
    assert score.provisional and score.quarters == (Q1, Quarter(2026, 2))
    shown = score.as_dict()
    assert (shown["mean"], shown["quarters"]) == ("67.11", ["2026Q1", "2026Q2"])


def test_a_quarter_not_assessed_has_no_total_and_writes_nulls():
    result = QuarterResult(Q1, "key", DEFAULT.standard("key"),
                           QuarterAssessment(False, reason="单位于2026年4月登记"))
    assert (result.assessed, result.total, result.percent, result.items) == (False, None, None, {})
    assert result.as_dict() == {
        "quarter": "2026Q1", "category": "key", "total": None, "standard": "100",
        "percent": None, "items": {}, "pending": [], "assessed": False,
        "note": "未纳入：单位于2026年4月登记"}
    row = ScoreRow(1, "县新单位", "key", result, None, 0)
    assert not row.assessed and row.assessment.reason == "单位于2026年4月登记"


def test_a_hand_entered_quarter_writes_who_entered_it_and_when():
    at = datetime(2026, 4, 2, 1, 30, tzinfo=timezone.utc)
    result = QuarterResult(Q1, "key", DEFAULT.standard("key"),
                           QuarterAssessment(True, by_hand=True),
                           score_by_hand(Q1, "key", Decimal("86.5")),
                           HandEntry("纸质考核结果", "admin:chief", at))
    shown = result.as_dict()
    assert (shown["total"], shown["percent"], shown["items"]) == ("86.5", "86.5", {})
    assert shown["by_hand"] == {"reason": "纸质考核结果", "by": "admin:chief",
                                "at": "2026-04-02T01:30:00+00:00"}
    assert (shown["assessed"], shown["note"]) == (True, "手工录入")


def test_a_year_with_no_assessed_quarter_keeps_its_entries_but_has_no_total():
    score = year_score({"year": 2026, "bonus": [{"kind": "host_event"}]})
    result = YearResult(score, "", {}, (), {Q1: "单位于2026年4月登记"})
    assert (result.assessed, result.mean, result.total, result.bonus) == (
        False, None, None, Decimal("0.5"))
    shown = result.as_dict()
    assert (shown["mean"], shown["total"], shown["bonus"]) == (None, None, "0.5")
    assert shown["not_assessed"] == {"2026Q1": "单位于2026年4月登记"}
    assert list(shown) == ["year", "mean", "bonus", "deductions", "total", "provisional",
                           "quarters", "label", "quarter_totals", "by_hand", "not_assessed"]
    assert ScoreRow(1, "县新单位", "key", result, None, 0).note == ""
