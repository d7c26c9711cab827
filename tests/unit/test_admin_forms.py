"""Reading the console's forms: the same rules as the spreadsheet, every problem named."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.office.fact_fields import fields, shown
from bot.office.forms import bonus_values, deduction_values, fact_values, story_values
from scoring import default_rubrics, load_rubrics

RUBRIC = default_rubrics().latest
EXAMPLE = load_rubrics("example-district").latest
FIELDS = fields(RUBRIC)
FIELD = {f.key: f for f in FIELDS}
LEVELS = dict(RUBRIC.facts["media"].levels)


def shown_fact(value, name):
    return shown(FIELD[name], value)


def test_blank_facts_are_not_entered_and_words_become_values():
    values, problems = fact_values({"annual_plan": "是", "team_flag": "否",
                                    "volunteer_hours": "12.5", "satisfaction": "良好"}, FIELDS)
    assert problems == []
    assert values["annual_plan"] is True and values["team_flag"] is False
    assert values["volunteer_hours"] == Decimal("12.50") and values["satisfaction"] == "good"
    assert values["staff_on_post"] is None and values["awareness_rate"] is None


def test_every_bad_fact_is_named():
    _, problems = fact_values({"annual_plan": "也许", "trainings": "1.5",
                               "awareness_rate": "101", "services": "-1"}, FIELDS)
    assert len(problems) == 4
    assert any(p.startswith("年度活动计划一览表") and "是" in p for p in problems)
    assert any("本季度培训次数：应填整数" in p for p in problems)


def test_stored_facts_show_as_the_form_writes_them():
    assert (shown_fact(None, "team_flag"), shown_fact(True, "team_flag"),
            shown_fact(False, "team_flag")) == ("", "是", "否")
    assert shown_fact("excellent", "satisfaction") == "优秀"
    assert shown_fact(Decimal("76.50"), "awareness_rate") == "76.50"


def test_a_story_needs_a_name_and_a_level():
    values, problems = story_values({"story": " 义诊 ", "level": "city",
                                     "published_on": "2026-02-03"}, LEVELS)
    assert problems == [] and values["story"] == "义诊"
    assert values["published_on"] == date(2026, 2, 3)
    _, problems = story_values({"story": "", "level": "moon", "published_on": "3月"}, LEVELS)
    assert len(problems) == 3


def test_bonus_levels_follow_the_kind():
    assert bonus_values({"kind": "host_event", "level": "central"}, RUBRIC)[0]["level"] is None
    assert bonus_values({"kind": "endorsement", "level": "county"}, RUBRIC)[1] == []
    assert bonus_values({"kind": "research_visit", "level": "county"}, RUBRIC)[1] == [
        "承接实地调研的级别应为 中央、省级、市级 之一"]


def test_bonus_and_deduction_kinds_are_the_rubric_version_s():
    assert bonus_values({"kind": "model", "level": "city"}, EXAMPLE)[1] == []
    assert bonus_values({"kind": "model", "level": "county"}, EXAMPLE)[1] == [
        "获评先进典型的级别应为 区级、市级、省级 之一"]
    assert bonus_values({"kind": "host_event"}, EXAMPLE)[1] == ["请选择加分类别"]
    assert deduction_values({"points": "1", "kind": "accident", "reason": "火灾"},
                            EXAMPLE)[1] == []
    assert deduction_values({"points": "1", "kind": "materials", "reason": "迟报"},
                            EXAMPLE)[1] == ["请选择扣分类别"]


def test_a_deduction_is_a_positive_amount_with_a_kind_and_a_reason():
    values, problems = deduction_values({"points": "0.5", "kind": "falsified", "reason": "造假"},
                                        RUBRIC)
    assert problems == [] and values["points"] == Decimal("0.50")
    _, problems = deduction_values({"points": "NaN", "kind": "x", "reason": ""}, RUBRIC)
    assert len(problems) == 3
