"""Properties of the rubric that hold for any valid input."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import (LOCAL_TZ, CompletionRules, DeadlineRules, Material, Month, Quarter,
                     completed_at, deadline, score_quarter, score_year)
from scoring.params import DEFAULT

# No per-example deadline: a shared CI machine may be slow, and the rules have no timing.
PROPERTY = settings(deadline=None, max_examples=150)

STATUSES = ["on_time", "late", "missing", "pending", "waived", "exempt"]
LEVELS = ["county", "city", "province", "national"]
counts = st.integers(min_value=0, max_value=5000)
amounts = st.decimals(min_value=0, max_value=100_000, places=2)
rates = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def quarter_inputs(draw) -> dict:
    quarter = Quarter(draw(st.integers(2020, 2040)), draw(st.integers(1, 4)))
    months = draw(st.dictionaries(st.sampled_from([str(m) for m in quarter.months()]),
                                  st.sampled_from(STATUSES)))
    stories = st.fixed_dictionaries({"story": st.sampled_from(["义诊", "助学", "敬老", "环保"]),
                                     "level": st.sampled_from(LEVELS)})
    facts = draw(st.fixed_dictionaries({}, optional={
        "category": st.sampled_from(["key", "department", "stationed"]),
        **{name: st.booleans() for name in (
            "annual_plan", "annual_summary", "materials_uploaded", "team_flag",
            "uniforms_sufficient", "uniforms_worn", "brand_plan", "brand_promoted")},
        **{name: counts for name in ("staff_on_post", "registered_volunteers", "trainings",
                                     "service_items", "services")},
        "volunteer_hours": amounts, "awareness_rate": rates,
        "media": st.lists(stories, max_size=8), "months": st.just(months),
        "satisfaction": st.sampled_from(["excellent", "good", "fair"]),
    }))
    return {"quarter": str(quarter), **facts}


@PROPERTY
@given(quarter_inputs())
def test_every_item_stays_between_zero_and_its_max_and_media_is_never_negative(data):
    for item_id, result in score_quarter(data)["items"].items():
        score = Decimal(result["score"])
        assert score >= 0
        if item_id != "5":
            assert score <= Decimal(result["max"])
        if result["pending"]:
            assert score == 0


@PROPERTY
@given(quarter_inputs())
def test_the_total_is_the_sum_of_the_items_and_pending_lists_the_pending_items(data):
    result = score_quarter(data)
    items = result["items"]
    assert Decimal(result["total"]) == sum(Decimal(i["score"]) for i in items.values())
    assert result["pending"] == [k for k, v in items.items() if v["pending"]]
    assert Decimal(result["standard"]) == DEFAULT.standard(result["category"])


@PROPERTY
@given(quarter_inputs(), counts, st.integers(min_value=1, max_value=50))
def test_more_services_never_lower_a_score(data, services, more):
    fewer = score_quarter(data | {"services": services})
    greater = score_quarter(data | {"services": services + more})
    assert Decimal(greater["total"]) >= Decimal(fewer["total"])
    if "3.1" in fewer["items"]:
        assert Decimal(greater["items"]["3.1"]["score"]) >= \
            Decimal(fewer["items"]["3.1"]["score"])


@PROPERTY
@given(quarter_inputs(), amounts, st.decimals(min_value="0.01", max_value=1000, places=2))
def test_more_volunteer_hours_never_lower_a_score(data, hours, more):
    fewer = score_quarter(data | {"volunteer_hours": hours})
    greater = score_quarter(data | {"volunteer_hours": hours + more})
    assert Decimal(greater["total"]) >= Decimal(fewer["total"])
    if "3.2" in fewer["items"]:
        assert Decimal(greater["items"]["3.2"]["score"]) >= \
            Decimal(fewer["items"]["3.2"]["score"])


@PROPERTY
@given(st.dictionaries(st.sampled_from(["2026Q1", "2026Q2", "2026Q3", "2026Q4"]),
                       st.decimals(min_value=0, max_value=120, places=2), min_size=1),
       st.lists(st.decimals(min_value="0.01", max_value=10, places=2), max_size=4))
def test_the_year_total_is_its_mean_less_deductions_and_the_mean_lies_within_the_quarters(
        quarters, points):
    result = score_year({"year": 2026, "quarters": {k: str(v) for k, v in quarters.items()},
                         "deductions": [{"points": str(p), "reason": "核减"} for p in points]})
    mean = Decimal(result["mean"])
    assert min(quarters.values()) <= mean <= max(quarters.values())
    assert Decimal(result["total"]) == mean - Decimal(result["deductions"])
    assert result["provisional"] is (len(quarters) < 4)


months = st.builds(Month, st.integers(1990, 2040), st.integers(1, 12))


@PROPERTY
@given(months)
def test_a_month_reads_back_from_each_way_it_is_written(month):
    assert Month.parse(str(month)) == month
    assert Month.parse(month.label) == month
    assert Month.parse(f"{month.year}{month.month:02d}") == month
    assert month.next().prev() == month
    assert month in month.quarter.months()
    assert Quarter.parse(str(month.quarter)) == month.quarter


@PROPERTY
@given(months, st.integers(1, 31), st.booleans(), st.booleans())
def test_a_deadline_falls_in_its_month_or_within_a_short_shift_after_it(month, day, incl, shift):
    due = deadline(month, DeadlineRules(day=day, inclusive=incl, holiday_shift=shift))
    start = datetime(month.year, month.month, 1, tzinfo=LOCAL_TZ)
    assert start <= due <= start + timedelta(days=31 + 20)
    assert (due.hour, due.minute, due.second) == (0, 0, 0)


materials = st.lists(st.builds(
    Material, at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31),
                              timezones=st.just(LOCAL_TZ)),
    chars=st.integers(0, 80), photos=st.integers(0, 2)), max_size=8)


@PROPERTY
@given(materials, materials)
def test_adding_materials_never_makes_a_summary_complete_later(first, extra):
    rules = CompletionRules()
    before = completed_at(first, rules)
    after = completed_at(first + extra, rules)
    if before is not None:
        assert after is not None and after <= before
