"""The rubric engine: every item's rule and edges, categories, the year, bad input."""
from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from scoring import InputError, RubricParams, score_quarter, score_year
from scoring.params import DEFAULT, ITEM_IDS

EXAMPLE = {
    "quarter": "2026Q1", "category": "key",
    "annual_plan": True, "annual_summary": False, "materials_uploaded": True,
    "team_flag": True, "uniforms_sufficient": True, "uniforms_worn": False,
    "staff_on_post": 50, "registered_volunteers": 39, "trainings": 1,
    "service_items": 4, "services": 8, "volunteer_hours": 150.5, "awareness_rate": 76.5,
    "brand_plan": True, "brand_promoted": False,
    "media": [{"story": "敬老义诊", "level": "city"}, {"story": "敬老义诊", "level": "county"}],
    "months": {"2026-01": "on_time", "2026-02": "late", "2026-03": "pending"},
    "satisfaction": "good",
}
EXAMPLE_ITEMS = {"1.1": "1.5", "1.2": "0", "1.3": "2", "2.1": "2", "2.2": "2", "2.3": "0",
                 "2.4": "4", "2.5": "4", "3.1": "20", "3.2": "7.72", "3.3": "6.5", "4.1": "4",
                 "4.2": "0", "5": "2", "6.1": "4.5", "6.2": "4"}


def quarter(params: RubricParams = DEFAULT, drop: tuple[str, ...] = (), **facts) -> dict:
    data = copy.deepcopy(EXAMPLE)
    for name in drop:
        del data[name]
    data.update(facts)
    return score_quarter(data, params)


def item(item_id: str, params: RubricParams = DEFAULT, drop: tuple[str, ...] = (),
         **facts) -> dict:
    return quarter(params, drop, **facts)["items"][item_id]


def refused(data: dict, field: str, scorer=score_quarter) -> InputError:
    with pytest.raises(InputError) as caught:
        scorer(data)
    assert caught.value.field == field
    assert field in str(caught.value)
    return caught.value


# --- the worked example --------------------------------------------------------------

def test_the_rubric_example_scores_exactly_64_22_with_the_listed_item_values():
    result = score_quarter(EXAMPLE)
    assert result["total"] == "64.22"
    assert {k: v["score"] for k, v in result["items"].items()} == EXAMPLE_ITEMS
    assert result["standard"] == "100" and result["percent"] == "64.22"
    assert result["quarter"] == "2026Q1" and result["category"] == "key"
    assert result["pending"] == []


def test_each_item_says_its_score_max_pending_why_and_chinese_title():
    result = score_quarter(EXAMPLE)
    assert list(result["items"]) == list(ITEM_IDS)
    assert result["items"]["6.1"] == {"score": "4.5", "max": "5", "pending": False,
                                      "why": "2月小结逾期提交，扣0.5分", "title": "月度小结"}
    assert result["items"]["2.4"]["why"] == "注册率78.0%，低于80%，扣1分"
    assert result["items"]["1.1"]["title"] == "年度活动计划一览表"


def test_the_total_is_the_sum_of_the_rounded_items():
    result = score_quarter(EXAMPLE)
    assert sum(Decimal(i["score"]) for i in result["items"].values()) == Decimal("64.22")


def test_numbers_may_arrive_as_floats_decimals_or_decimal_strings():
    for hours in (150.5, Decimal("150.5"), "150.5"):
        assert item("3.2", volunteer_hours=hours)["score"] == "7.72"


# --- yes/no items --------------------------------------------------------------------

FLAG_ITEMS = [("1.1", "annual_plan", "1.5"), ("1.2", "annual_summary", "1.5"),
              ("1.3", "materials_uploaded", "2"), ("2.1", "team_flag", "2"),
              ("2.2", "uniforms_sufficient", "2"), ("2.3", "uniforms_worn", "2"),
              ("4.1", "brand_plan", "4"), ("4.2", "brand_promoted", "6")]


@pytest.mark.parametrize("item_id, fact, points", FLAG_ITEMS)
def test_a_yes_no_item_scores_its_points_when_true_and_zero_when_false(item_id, fact, points):
    assert item(item_id, **{fact: True})["score"] == points
    assert item(item_id, **{fact: False}) | {"why": ""} == {
        "score": "0", "max": points, "pending": False, "why": "",
        "title": score_quarter(EXAMPLE)["items"][item_id]["title"]}


@pytest.mark.parametrize("item_id, fact, points", FLAG_ITEMS)
def test_a_yes_no_item_not_entered_yet_is_pending_at_zero(item_id, fact, points):
    result = quarter(drop=(fact,))
    assert result["items"][item_id]["score"] == "0"
    assert result["items"][item_id]["pending"] is True
    assert result["pending"] == [item_id]


# --- 2.4 registration rate -----------------------------------------------------------

@pytest.mark.parametrize("staff, registered, score", [
    (50, 40, "5"),        # exactly 80 %
    (50, 60, "5"),        # more volunteers than staff
    (200, 157, "4.25"),   # 78.5 %: 5 - 0.5 × 1.5
    (50, 39, "4"),        # 78 %
    (30, 23, "3.33"),     # 76.67 %: 5 - 0.5 × 3.33… = 3.333…
    (10, 7, "0"),         # 70 %: exactly used up
    (100, 71, "0.5"),
    (50, 0, "0"),         # floor 0
])
def test_registration_rate_scores_full_from_80_and_loses_half_a_point_per_point_below(
        staff, registered, score):
    assert item("2.4", staff_on_post=staff, registered_volunteers=registered)["score"] == score


def test_a_fractional_registration_rate_is_shown_with_its_decimals():
    assert item("2.4", staff_on_post=200, registered_volunteers=157)["why"] == \
        "注册率78.5%，低于80%，扣0.75分"


@pytest.mark.parametrize("facts, drop", [({"staff_on_post": 0}, ()), ({}, ("staff_on_post",)),
                                         ({}, ("registered_volunteers",))])
def test_registration_rate_is_pending_without_staff_on_post_or_registered_volunteers(
        facts, drop):
    assert item("2.4", drop=drop, **facts)["pending"] is True
    assert item("2.4", drop=drop, **facts)["score"] == "0"


# --- 2.5 training --------------------------------------------------------------------

@pytest.mark.parametrize("trainings, score", [(0, "0"), (1, "4"), (3, "4")])
def test_training_scores_4_for_at_least_one_training(trainings, score):
    assert item("2.5", trainings=trainings)["score"] == score


def test_training_not_entered_is_pending():
    assert item("2.5", drop=("trainings",))["pending"] is True


# --- 3.1 services --------------------------------------------------------------------

@pytest.mark.parametrize("service_items, services, score", [
    (3, 6, "30"), (3, 5, "25"), (3, 10, "30"), (0, 6, "30"),   # 3 items or fewer: 6 required
    (4, 6, "10"), (4, 10, "30"), (4, 9, "25"), (4, 12, "30"),  # 4 or more: 10 required
    (4, 4, "0"), (4, 0, "0"), (3, 0, "0"),                      # floor 0
])
def test_services_lose_5_points_per_service_short_of_6_or_10_required(
        service_items, services, score):
    assert item("3.1", service_items=service_items, services=services)["score"] == score


def test_the_services_reason_names_the_required_and_delivered_counts():
    assert item("3.1")["why"] == "点单服务项目4项，应服务10次，实际8次，扣10分"


@pytest.mark.parametrize("fact", ["service_items", "services"])
def test_services_are_pending_without_either_count(fact):
    assert item("3.1", drop=(fact,))["pending"] is True


# --- 3.2 participation ---------------------------------------------------------------

@pytest.mark.parametrize("hours, registered, score", [
    (50, 10, "10"),       # exactly 5 h each
    (200, 10, "10"),
    (45, 10, "9"),        # 4.5 h: 10 - 2 × 0.5
    (150.5, 39, "7.72"),  # 3.859 h
    (10, 10, "2"),
    (16.01, 4, "8.01"),   # 4.0025 h: 8.005 rounds half up, not to even
    (0, 10, "0"),         # floor 0
])
def test_participation_scores_full_from_5_hours_and_loses_2_points_per_hour_below(
        hours, registered, score):
    assert item("3.2", volunteer_hours=hours, registered_volunteers=registered)["score"] == score


def test_no_registered_volunteers_scores_participation_zero_not_pending():
    result = item("3.2", registered_volunteers=0, volunteer_hours=100)
    assert (result["score"], result["pending"]) == ("0", False)
    assert item("3.2", registered_volunteers=0, drop=("volunteer_hours",))["pending"] is False


@pytest.mark.parametrize("fact", ["volunteer_hours", "registered_volunteers"])
def test_participation_is_pending_without_hours_or_registered_volunteers(fact):
    assert item("3.2", drop=(fact,))["pending"] is True


# --- 3.3 awareness -------------------------------------------------------------------

@pytest.mark.parametrize("rate, score", [(80, "10"), (100, "10"), (79.99, "9.99"),
                                         (78.5, "8.5"), (76.5, "6.5"), (70, "0"), (0, "0")])
def test_awareness_scores_full_from_80_and_loses_a_point_per_point_below(rate, score):
    assert item("3.3", awareness_rate=rate)["score"] == score


def test_awareness_not_entered_is_pending():
    assert item("3.3", drop=("awareness_rate",))["pending"] is True


# --- 5 media -------------------------------------------------------------------------

def story(name: str, level: str) -> dict:
    return {"story": name, "level": level}


@pytest.mark.parametrize("level, score", [("county", "1"), ("city", "2"), ("province", "3"),
                                          ("national", "5")])
def test_a_story_scores_by_its_level(level, score):
    assert item("5", media=[story("义诊", level)])["score"] == score


def test_one_story_at_several_levels_counts_once_at_its_highest_whatever_the_order():
    levels = ["county", "national", "city", "province"]
    assert item("5", media=[story("义诊", lv) for lv in levels])["score"] == "5"
    assert item("5", media=[story("义诊", lv) for lv in reversed(levels)])["score"] == "5"


def test_different_stories_add_up():
    media = [story("义诊", "city"), story("助学", "county"), story("助学", "province")]
    assert item("5", media=media)["score"] == "5"


def test_media_above_10_is_not_capped():
    result = item("5", media=[story(f"报道{n}", "national") for n in range(3)])
    assert (result["score"], result["max"]) == ("15", "10")
    assert "超出标准分以实际得分为准" in result["why"]
    assert quarter(media=[story(f"报道{n}", "national") for n in range(3)])["total"] == "77.22"


def test_no_media_stories_scores_zero_and_absent_media_is_pending():
    assert (item("5", media=[])["score"], item("5", media=[])["pending"]) == ("0", False)
    assert item("5", drop=("media",))["pending"] is True


# --- 6.1 monthly summaries -----------------------------------------------------------

def months(jan: str, feb: str, mar: str) -> dict:
    return {"2026-01": jan, "2026-02": feb, "2026-03": mar}


@pytest.mark.parametrize("statuses, score", [
    (("on_time", "on_time", "on_time"), "5"),
    (("pending", "pending", "pending"), "5"),
    (("waived", "exempt", "on_time"), "5"),
    (("late", "on_time", "pending"), "4.5"),
    (("missing", "late", "waived"), "4"),
    (("late", "missing", "missing"), "3.5"),
])
def test_only_late_and_missing_months_cost_half_a_point_each(statuses, score):
    assert item("6.1", months=months(*statuses))["score"] == score


def test_the_monthly_reason_names_each_missed_month():
    assert item("6.1", months=months("missing", "late", "on_time"))["why"] == \
        "1月小结未报、2月小结逾期提交，扣1分"


def test_monthly_summaries_floor_at_zero_when_the_cost_is_raised():
    params = RubricParams.from_mapping({"month_miss_cost": 2})
    assert item("6.1", params, months=months("late", "missing", "late"))["score"] == "0"
    assert item("6.1", params, months=months("late", "on_time", "late"))["score"] == "1"


def test_months_not_listed_cost_nothing_and_only_absent_months_make_the_item_pending():
    assert item("6.1", months={})["score"] == "5"
    assert item("6.1", months={})["pending"] is False
    assert item("6.1", months={"2026-02": "late"})["score"] == "4.5"
    assert item("6.1", drop=("months",))["pending"] is True


def test_a_month_outside_the_quarter_is_refused():
    refused(EXAMPLE | {"months": {"2026-04": "late"}}, "months.2026-04")


def test_a_month_written_twice_is_refused():
    refused(EXAMPLE | {"months": {"2026-01": "late", "2026-1": "on_time"}}, "months.2026-1")


def test_an_unknown_month_status_is_refused():
    refused(EXAMPLE | {"months": {"2026-01": "done"}}, "months.2026-01")


# --- 6.2 satisfaction ----------------------------------------------------------------

@pytest.mark.parametrize("rating, score", [("excellent", "5"), ("good", "4"), ("fair", "3")])
def test_satisfaction_scores_by_rating(rating, score):
    assert item("6.2", satisfaction=rating)["score"] == score


def test_satisfaction_not_yet_rated_is_pending():
    assert item("6.2", drop=("satisfaction",))["pending"] is True
    assert item("6.2", satisfaction=None)["pending"] is True


# --- categories and pending ----------------------------------------------------------

@pytest.mark.parametrize("category, items, standard", [
    ("key", list(ITEM_IDS), "100"),
    ("department", ["2.4", "3.1", "3.2", "5", "6.1", "6.2"], "65"),
    ("stationed", ["2.4", "3.1", "3.2", "3.3", "5", "6.1", "6.2"], "75"),
])
def test_each_category_scores_only_its_items_against_its_standard(category, items, standard):
    result = quarter(category=category)
    assert list(result["items"]) == items
    assert result["standard"] == standard
    assert result["total"] == str(sum(Decimal(result["items"][i]["score"]) for i in items))


def test_a_department_is_compared_by_percentage_of_its_standard():
    result = quarter(category="department")
    assert result["total"] == "42.22"          # 4 + 20 + 7.72 + 2 + 4.5 + 4
    assert result["percent"] == "64.95"        # 42.22 / 65


def test_the_category_defaults_to_key():
    assert quarter(drop=("category",))["category"] == "key"


def test_a_quarter_with_no_facts_is_all_pending_at_zero():
    result = score_quarter({"quarter": "2026Q2"})
    assert result["pending"] == list(ITEM_IDS)
    assert (result["total"], result["percent"]) == ("0", "0")


def test_facts_of_items_outside_the_category_are_ignored_not_pending():
    result = score_quarter({"quarter": "2026Q2", "category": "department", "annual_plan": True})
    assert "1.1" not in result["items"] and "1.1" not in result["pending"]


# --- parameters ----------------------------------------------------------------------

def test_parameters_override_from_a_flat_or_nested_config_section():
    params = RubricParams.from_mapping({
        "month_miss_cost": 1, "registration_threshold": "70",
        "categories": {"department": ["2.4", "5"]}, "media_points.city": 2.5})
    assert params.month_miss_cost == Decimal(1)
    assert params.registration_threshold == Decimal(70)
    assert params.categories["department"] == ("2.4", "5")
    assert params.media_points["city"] == Decimal("2.5")
    assert params.media_points["national"] == Decimal(5)
    assert params.standard("department") == Decimal(15)
    dotted = RubricParams.from_mapping({"categories.department": ["2.4", "5"]})
    assert dotted.categories == params.categories
    assert hash(params) == hash(RubricParams.from_mapping({
        "month_miss_cost": 1, "registration_threshold": 70,
        "categories.department": ["2.4", "5"], "media_points": {"city": "2.5"}}))


def test_changed_parameters_change_the_scores():
    params = RubricParams.from_mapping({"registration_threshold": 78, "month_miss_cost": 1,
                                        "categories.department": ["2.4", "6.1"]})
    result = quarter(params, category="department")
    assert {k: v["score"] for k, v in result["items"].items()} == {"2.4": "5", "6.1": "4"}
    assert (result["total"], result["standard"], result["percent"]) == ("9", "10", "90")


@pytest.mark.parametrize("mapping, key", [
    ({"month_miss_costs": 1}, "month_miss_costs"),
    ({"categories.township": ["5"]}, "categories.township"),
    ({"categories": {"township": ["5"]}}, "categories.township"),
    ({"media_points.town": 1}, "media_points.town"),
    ({"media_points": 1}, "media_points"),
    ({"month_miss_cost": "much"}, "month_miss_cost"),
    ({"month_miss_cost": True}, "month_miss_cost"),
    ({"month_miss_cost": -1}, "month_miss_cost"),
    ({"services_required_many": 9.5}, "services_required_many"),
    ({"categories.key": ["1.1", "7"]}, "categories.key"),
    ({"categories.key": []}, "categories.key"),
])
def test_unknown_or_bad_parameters_are_refused_naming_the_key(mapping, key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        RubricParams.from_mapping(mapping)


def test_the_default_parameters_are_rubric_md():
    p = DEFAULT
    assert (p.registration_threshold, p.registration_cost, p.services_required_few,
            p.services_required_many, p.service_items_boundary, p.participation_hours,
            p.month_miss_cost, p.month_max, p.host_event_bonus) == (
        80, Decimal("0.5"), 6, 10, 3, 5, Decimal("0.5"), 5, Decimal("0.5"))
    assert dict(p.media_points) == {"county": 1, "city": 2, "province": 3, "national": 5}
    assert p.standard("key") == 100


# --- bad input -----------------------------------------------------------------------

@pytest.mark.parametrize("facts, field", [
    ({"media": [story("义诊", "city"), story("义诊", "town")]}, "media[1].level"),
    ({"media": [{"level": "city"}]}, "media[0].story"),
    ({"media": [{"story": "义诊", "level": "city", "url": "x"}]}, "media[0].url"),
    ({"media": "city"}, "media"),
    ({"staff_on_post": -1}, "staff_on_post"),
    ({"services": 1.5}, "services"),
    ({"trainings": True}, "trainings"),
    ({"annual_plan": "yes"}, "annual_plan"),
    ({"awareness_rate": 100.5}, "awareness_rate"),
    ({"awareness_rate": -0.1}, "awareness_rate"),
    ({"volunteer_hours": "lots"}, "volunteer_hours"),
    ({"volunteer_hours": float("nan")}, "volunteer_hours"),
    ({"quarter": "2026Q5"}, "quarter"),
    ({"category": "township"}, "category"),
    ({"satisfaction": "great"}, "satisfaction"),
    ({"months": ["2026-01"]}, "months"),
    ({"score": 100}, "score"),
])
def test_bad_quarter_input_is_refused_naming_the_field(facts, field):
    refused(EXAMPLE | facts, field)


def test_a_quarter_input_without_quarter_is_refused():
    refused({"category": "key"}, "quarter")


def test_an_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError)


# --- the year ------------------------------------------------------------------------

FOUR = {"2026Q1": "64.22", "2026Q2": "70", "2026Q3": 80.01, "2026Q4": 90}


def test_the_year_is_the_rounded_mean_of_four_quarters_and_final():
    result = score_year({"year": 2026, "quarters": FOUR})
    assert result == {"year": 2026, "mean": "76.06", "bonus": "0", "deductions": "0",
                      "total": "76.06", "provisional": False,
                      "quarters": ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]}


def test_before_the_year_ends_the_mean_is_over_the_quarters_given_and_provisional():
    result = score_year({"year": 2026, "quarters": {"2026Q1": "64.22", "2026Q2": "70.01"}})
    assert (result["mean"], result["provisional"]) == ("67.12", True)   # 67.115 rounds up


def test_the_input_may_say_whether_the_year_is_provisional():
    two = {"2026Q1": "60", "2026Q2": "70"}
    assert score_year({"year": 2026, "quarters": two, "provisional": False})["provisional"] is False
    assert score_year({"year": 2026, "quarters": FOUR, "provisional": True})["provisional"] is True


def test_a_year_with_no_quarters_yet_scores_zero_provisionally():
    assert score_year({"year": 2026}) | {"quarters": None} == {
        "year": 2026, "mean": "0", "bonus": "0", "deductions": "0", "total": "0",
        "provisional": True, "quarters": None}


@pytest.mark.parametrize("entry, points", [
    ({"kind": "host_event"}, "0.5"),
    ({"kind": "research_visit", "level": "central"}, "2"),
    ({"kind": "research_visit", "level": "provincial"}, "1.5"),
    ({"kind": "research_visit", "level": "municipal"}, "1"),
    ({"kind": "endorsement", "level": "county"}, "0.5"),
    ({"kind": "endorsement", "level": "municipal"}, "1"),
    ({"kind": "endorsement", "level": "provincial"}, "1.5"),
    ({"kind": "endorsement", "level": "central"}, "2"),
])
def test_each_bonus_kind_and_level_earns_its_points(entry, points):
    assert score_year({"year": 2026, "bonus": [entry]})["bonus"] == points


def test_bonus_and_deductions_add_up_per_occurrence_without_a_cap():
    result = score_year({"year": 2026, "quarters": FOUR,
                         "bonus": [{"kind": "research_visit", "level": "provincial"},
                                   {"kind": "host_event", "note": "县中心推进会"},
                                   {"kind": "endorsement", "level": "county"}] +
                         [{"kind": "research_visit", "level": "central"}] * 6,
                         "deductions": [{"points": "1", "reason": "材料未按要求报送"},
                                        {"points": 0.25, "reason": "服务敷衍"}]})
    assert (result["bonus"], result["deductions"]) == ("14.5", "1.25")
    assert result["total"] == "89.31"      # 76.06 + 14.5 - 1.25


@pytest.mark.parametrize("data, field", [
    ({"year": "2026"}, "year"),
    ({"year": True}, "year"),
    ({}, "year"),
    ({"year": 2026, "quarters": {"2025Q4": "60"}}, "quarters.2025Q4"),
    ({"year": 2026, "quarters": {"2026Q5": "60"}}, "quarters.2026Q5"),
    ({"year": 2026, "quarters": {"2026Q1": -1}}, "quarters.2026Q1"),
    ({"year": 2026, "quarters": {"2026Q1": None}}, "quarters.2026Q1"),
    ({"year": 2026, "bonus": [{"kind": "prize"}]}, "bonus[0].kind"),
    ({"year": 2026, "bonus": [{"kind": "host_event"}, {"kind": "research_visit"}]},
     "bonus[1].level"),
    ({"year": 2026, "bonus": [{"kind": "endorsement", "level": "national"}]}, "bonus[0].level"),
    ({"year": 2026, "bonus": [{"kind": "host_event", "level": "county"}]}, "bonus[0].level"),
    ({"year": 2026, "deductions": [{"points": 0, "reason": "x"}]}, "deductions[0].points"),
    ({"year": 2026, "deductions": [{"points": "-1", "reason": "x"}]}, "deductions[0].points"),
    ({"year": 2026, "deductions": [{"points": 1}]}, "deductions[0].reason"),
    ({"year": 2026, "provisional": "yes"}, "provisional"),
    ({"year": 2026, "quarter": "2026Q1"}, "quarter"),
])
def test_bad_year_input_is_refused_naming_the_field(data, field):
    refused(data, field, score_year)
