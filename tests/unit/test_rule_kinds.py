"""Each rule kind a rubric file may name, scored through a one-item rubric, and the pure
arithmetic under each with its properties."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import InputError
from scoring.rules.base_minus import base_minus_points
from scoring.rules.discretionary import entered_points
from scoring.rules.shortfall import Step, shortfall_points
from scoring.rules.state import state_points
from scoring.rules.steps import step_for
from scoring.rules.stories import stories_points
from scoring.rules.threshold import threshold_points
from scoring.schema.facts import Entry, Story
from tests.rubric_kit import D, rubric_of, scored

PROPERTY = settings(deadline=None, max_examples=150)
YES_NO = {"type": "yes_no", "label": "有队旗"}
COUNT = {"type": "count", "label": "服务次数", "unit": "次"}


# --- fact_holds ------------------------------------------------------------------------

FLAG = rubric_of({"kind": "fact_holds", "fact": "flag", "yes": "有队旗", "no": "没有队旗"},
                 {"flag": YES_NO}, top=2)


def test_a_fact_that_holds_scores_the_item_maximum_and_one_that_does_not_scores_nothing():
    assert (scored(FLAG, flag=True).score, scored(FLAG, flag=True).why) == (2, "有队旗，得2分")
    assert (scored(FLAG, flag=False).score, scored(FLAG, flag=False).why) == (
        0, "没有队旗，不得分")


def test_a_yes_no_fact_not_entered_is_pending_with_its_label():
    item = scored(FLAG)
    assert (item.pending, item.score, item.why) == (True, 0, "尚未录入“有队旗”情况")


def test_a_count_holds_from_at_least_and_says_none_for_zero():
    rubric = rubric_of({"kind": "fact_holds", "fact": "n", "at_least": 2, "points": 3,
                        "yes": "培训{n}次", "no": "培训{n}次，少于{at_least}次",
                        "none": "未培训"}, {"n": COUNT}, top=4)
    assert [scored(rubric, n=n).why for n in (0, 1, 2)] == [
        "未培训，不得分", "培训1次，少于2次，不得分", "培训2次，得3分"]


# --- shortfall -------------------------------------------------------------------------

def test_a_shortfall_costs_per_occurrence_short_and_floors_at_zero():
    rubric = rubric_of({"kind": "shortfall", "fact": "n", "required": 6, "cost": 3,
                        "why": "应{required}次，实{n}次"}, {"n": COUNT}, top=15)
    assert [scored(rubric, n=n).score for n in (7, 6, 5, 2, 0)] == [15, 15, 12, 3, 0]
    assert scored(rubric, n=5).why == "应6次，实5次，扣3分"


def test_the_required_count_may_step_by_another_fact_which_is_asked_for_first():
    rubric = rubric_of({"kind": "shortfall", "fact": "n", "cost": 5, "why": "应{required}次",
                        "required": {"fact": "k", "steps": [{"up_to": 3, "count": 6},
                                                            {"count": 10}]}},
                       {"n": COUNT, "k": {"type": "count", "label": "项目数"}}, top=30)
    assert scored(rubric, k=3, n=6).score == 30 and scored(rubric, k=4, n=6).score == 10
    assert scored(rubric, n=6).why == "尚未录入项目数"


# --- rate and per_capita ---------------------------------------------------------------

RATIO = rubric_of({"kind": "rate", "numerator": "part", "denominator": "whole",
                   "threshold": 70, "label": "占比"},
                  {"part": COUNT, "whole": {"type": "count", "label": "总人数"}})


def test_a_rate_without_a_cost_is_a_condition():
    assert scored(RATIO, part=7, whole=10).why == "占比70.0%，达到70%，得10分"
    assert scored(RATIO, part=69, whole=100).why == "占比69.0%，低于70%，不得分"


def test_a_rate_with_no_denominator_yet_is_pending():
    assert scored(RATIO, part=7, whole=0).pending and scored(RATIO, part=7).pending


def test_a_rate_with_a_cost_loses_it_per_point_below():
    rubric = rubric_of({"kind": "rate", "fact": "r", "threshold": 80, "cost": D("0.5"),
                        "label": "知晓率"}, {"r": {"type": "percentage", "label": "知晓率"}},
                       top=5)
    assert [scored(rubric, r=r).score for r in (90, 80, "78.5", 0)] == [5, 5, D("4.25"), 0]


def test_per_capita_with_no_heads_scores_nothing_and_is_not_pending():
    rubric = rubric_of({"kind": "per_capita", "fact": "hours", "per": "heads", "threshold": 5,
                        "cost": 2, "label": "人均时长", "unit": "小时", "none": "无人"},
                       {"hours": {"type": "decimal", "label": "时长"},
                        "heads": {"type": "count", "label": "人数"}})
    assert (scored(rubric, heads=0).pending, scored(rubric, heads=0).why) == (False,
                                                                               "无人，不得分")
    assert scored(rubric, heads=10, hours=45).score == 9


# --- grade -----------------------------------------------------------------------------

def test_a_grade_scores_its_points_and_says_its_label():
    rubric = rubric_of({"kind": "grade", "fact": "g", "points": {"a": 5, "b": 3},
                        "why": "评价为{g}"},
                       {"g": {"type": "grade", "label": "评价", "grades": {"a": "优", "b": "良"}}},
                       top=5)
    assert (scored(rubric, g="b").score, scored(rubric, g="b").why) == (3, "评价为良，得3分")
    with pytest.raises(InputError, match="g"):
        scored(rubric, g="c")


# --- stories ---------------------------------------------------------------------------

def stories_rubric(cap: bool):
    return rubric_of({"kind": "stories", "fact": "m", "points": {"low": 1, "high": 4},
                      "cap": cap, "label": "报道", "none": "无报道", "once": "同一稿件取最高",
                      "beyond": "超出以实际为准", "capped": "最多5分"},
                     {"m": {"type": "stories", "label": "报道",
                            "levels": {"low": "区级", "high": "省级"}}}, top=5)


def story(name: str, level: str) -> dict:
    return {"story": name, "level": level}


def test_stories_count_once_at_their_highest_level_and_may_be_capped_or_not():
    media = [story("a", "low"), story("a", "high"), story("b", "high")]
    assert scored(stories_rubric(False), m=media).score == 8
    assert scored(stories_rubric(False), m=media).why == (
        "报道2项（省级2项，同一稿件取最高），得8分，超出以实际为准")
    assert scored(stories_rubric(True), m=media).score == 5
    assert scored(stories_rubric(True), m=media).why.endswith("得5分，最多5分")
    assert scored(stories_rubric(True), m=[]).why == "无报道，不得分"


# --- submissions -----------------------------------------------------------------------

def submissions_rubric():
    return rubric_of(
        {"kind": "submissions", "fact": "s", "name": "信息", "late": "逾期", "missing": "未报",
         "settled": "均按时", "so_far": "暂无逾期"},
        {"s": {"type": "submissions", "label": "信息报送", "submission": "report"}},
        categories={"unit": {"title": "单位", "items": ["1.1"]},
                    "branch": {"title": "分中心", "items": ["1.1"]}},
        submissions={"report": {"title": "工作信息", "every": {"branch": 2}, "due_day": 28,
                                "miss_cost": 2}})


def test_a_late_or_missing_period_costs_the_submissions_miss_cost():
    rubric = submissions_rubric()
    item = scored(rubric, s={"2026-01": "late", "2026-02": "missing", "2026-03": "on_time"})
    assert (item.score, item.why) == (6, "1月信息逾期、2月信息未报，扣4分")


def test_a_category_reporting_every_two_months_owes_only_the_periods_last_months():
    rubric = submissions_rubric()
    branch = {"quarter": "2026Q2", "category": "branch"}
    assert scored(rubric, **branch, s={"2026-04": "on_time", "2026-06": "on_time"}).why == \
        "均按时，得10分"
    assert scored(rubric, **branch, s={"2026-04": "on_time"}).why == "暂无逾期，得10分"
    with pytest.raises(InputError, match="s.2026-05") as refused:
        scored(rubric, **branch, s={"2026-05": "late"})
    assert "分中心每2个月报送一次" in str(refused.value)


# --- discretionary ---------------------------------------------------------------------

def test_discretionary_points_are_summed_with_their_reasons_up_to_the_maximum():
    rubric = rubric_of({"kind": "discretionary", "fact": "p", "none": "未评定"},
                       {"p": {"type": "points", "label": "酌情分", "min": 0, "max": 6}})
    one = scored(rubric, p=[{"points": 6, "reason": "全区推广"}])
    assert (one.score, one.why) == (6, "全区推广，得6分")
    two = scored(rubric, p=[{"points": 6, "reason": "甲"}, {"points": "5.5", "reason": "乙"}])
    assert (two.score, two.why) == (10, "甲（6分）；乙（5.5分），得10分")
    assert scored(rubric, p=[]).why == "未评定，不得分" and scored(rubric).pending
    with pytest.raises(InputError, match=r"p\[0\]\.points"):
        scored(rubric, p=[{"points": 7, "reason": "超出"}])


# --- base_minus ------------------------------------------------------------------------

BASE = rubric_of(
    {"kind": "base_minus", "clean": "无扣分情形", "deductions": [
        {"kind": "when", "fact": "sign", "is": False, "points": 3, "why": "无标识"},
        {"kind": "each", "fact": "n", "points": 2, "cap": 6, "why": "投诉{n}次"},
        {"kind": "below", "numerator": "part", "denominator": "whole", "threshold": 70,
         "points": 1, "why": "占比{rate}"},
        {"kind": "entries", "fact": "cuts"}]},
    {"sign": YES_NO, "n": COUNT, "part": COUNT, "whole": COUNT,
     "cuts": {"type": "points", "label": "酌情扣分", "min": 1, "max": 5, "absent_is_empty": True}})
CLEAN = {"sign": True, "n": 0, "part": 8, "whole": 10}


def test_a_base_minus_item_is_its_maximum_less_every_deduction_that_applies():
    assert scored(BASE, **CLEAN).why == "无扣分情形，得10分"
    assert scored(BASE, **CLEAN | {"n": 5}).why == "投诉5次，扣6分"
    item = scored(BASE, sign=False, n=1, part=6, whole=10,
                  cuts=[{"points": 4, "reason": "敷衍"}])
    assert (item.score, item.why) == (0, "无标识（扣3分）；投诉1次（扣2分）；占比60%（扣1分）；"
                                         "敷衍（扣4分），扣10分")


def test_a_base_minus_item_waits_for_every_fact_its_clauses_read():
    assert scored(BASE, sign=True, n=0).pending    # the rate's facts are missing
    assert not scored(BASE, **CLEAN).pending       # the entries fact counts as empty


# --- state -----------------------------------------------------------------------------

STATE = rubric_of(
    {"kind": "state", "fact": "state", "defects": "defects",
     "by_defects": [{"up_to": 0, "state": "A"}, {"up_to": 2, "state": "B"}, {"state": "C#"}],
     "shares": {"A": 1, "B": D("0.66"), "C#": 0}, "why": "状态{state}，按{share}计"},
    {"state": {"type": "grade", "label": "状态", "grades": {"A": "A", "B": "B", "C#": "C#"}},
     "defects": {"type": "count", "label": "问题数", "unit": "个"}})


def test_the_state_the_office_set_multiplies_the_maximum():
    assert scored(STATE, state="B").why == "状态B，按66%计，得6.6分"
    assert scored(STATE, state="C#").why == "状态C#，按0%计，不得分"


def test_without_a_state_set_the_defects_decide_it():
    assert scored(STATE, defects=2).why == "状态B（问题数2个），按66%计，得6.6分"
    assert scored(STATE, defects=3).score == 0
    assert scored(STATE, state="A", defects=9).score == 10
    assert scored(STATE).pending


# --- the arithmetic's properties -------------------------------------------------------

numbers = st.decimals(min_value=0, max_value=200, places=2)
tops = st.decimals(min_value=0, max_value=100, places=1)


@PROPERTY
@given(numbers, numbers, numbers, tops, st.one_of(st.none(), numbers))
def test_threshold_points_stay_within_zero_and_the_top_and_never_fall_as_the_value_rises(
        value, more, threshold, top, cost):
    low = threshold_points(value, threshold, top, cost)
    high = threshold_points(value + more, threshold, top, cost)
    assert 0 <= low <= high <= top


@PROPERTY
@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 5), tops, numbers)
def test_shortfall_points_stay_within_zero_and_the_top_and_never_fall_with_more_delivered(
        required, delivered, more, top, cost):
    low = shortfall_points(required, delivered, top, cost)
    assert 0 <= low <= shortfall_points(required, delivered + more, top, cost) <= top


stories = st.lists(st.builds(Story, st.sampled_from("abcd"), st.sampled_from(["x", "y", "z"])))
levels = st.fixed_dictionaries({"x": numbers, "y": numbers, "z": numbers})


@PROPERTY
@given(stories, levels, st.randoms(), st.one_of(st.none(), tops))
def test_stories_points_do_not_depend_on_order_and_a_cap_holds(found, points, rnd, cap):
    shuffled = list(found)
    rnd.shuffle(shuffled)
    assert stories_points(found, points, cap) == stories_points(shuffled, points, cap)
    if cap is not None:
        assert stories_points(found, points, cap) <= cap
    if found:   # a story reported again at a level no higher changes nothing
        lowest = min(points, key=points.__getitem__)
        again = [*found, Story(found[0].story, lowest)]
        assert stories_points(again, points, cap) == stories_points(found, points, cap)


@PROPERTY
@given(tops, st.lists(numbers), numbers)
def test_base_minus_points_stay_within_zero_and_the_top_and_a_deduction_never_raises_them(
        top, lost, more):
    before = base_minus_points(top, [("", p) for p in lost])
    after = base_minus_points(top, [("", p) for p in [*lost, more]])
    assert 0 <= after <= before <= top


@PROPERTY
@given(tops, st.decimals(min_value=0, max_value=1, places=2))
def test_a_state_share_of_at_most_one_never_gives_more_than_the_top(top, share):
    assert 0 <= state_points(top, share) <= top


@PROPERTY
@given(st.lists(st.decimals(min_value=0, max_value=20, places=1), max_size=5), tops)
def test_entered_points_never_exceed_the_cap(points, cap):
    assert entered_points([Entry(p, "理由") for p in points], cap) <= cap


@PROPERTY
@given(st.lists(st.integers(0, 100), min_size=1, max_size=5, unique=True), st.integers(0, 200))
def test_a_value_falls_in_the_first_step_it_does_not_exceed(bounds, value):
    steps = [Step(up_to=b, count=n) for n, b in enumerate(sorted(bounds))] + [Step(count=99)]
    chosen = step_for(steps, value)
    assert (chosen.up_to is None and value > max(bounds)) or (
        value <= chosen.up_to and all(value > s.up_to for s in steps[:steps.index(chosen)]))


def test_decimal_arithmetic_is_exact():
    assert threshold_points(Decimal("78.5"), Decimal(80), Decimal(5), Decimal("0.5")) == \
        Decimal("4.25")
