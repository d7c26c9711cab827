"""Rubric files: the packaged default is Xixiang's, the packaged example district scheme
scores end to end, versions take effect from their quarter, a new version keeps the facts
entered, and `python -m scoring check` prints a rubric as tables."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import (InputError, Quarter, default_rubrics, load_rubrics, quarter_score,
                     score_quarter, score_year, version_problems, year_score)
from scoring.numbers import fmt
from scoring.schema.facts import fact_warnings
from scoring.versions import packaged
from tests.unit.test_rubric import EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
XIXIANG = packaged("xixiang-2022").read_text(encoding="utf-8")
DISTRICT = load_rubrics("example-district")
STATION = {
    "quarter": "2027Q2", "category": "station", "has_sign": True, "rules_posted": False,
    "venue_deductions": [{"points": 2, "reason": "活动室堆放杂物"}], "closed_checks": 1,
    "staff": 40, "registered_volunteers": 30, "system_defects": 1, "activities": 5,
    "complaints": 0, "brand_points": [{"points": 6, "reason": "“周末课堂”在全区推广"}],
    "media": [{"story": "敬老", "level": "city"}, {"story": "助学", "level": "national"},
              {"story": "助学", "level": "district"}, {"story": "环保", "level": "province"}],
    "reports": {"2027-04": "on_time", "2027-05": "late", "2027-06": "pending"},
}


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoring", *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
                          timeout=120, check=False)


# --- the default -----------------------------------------------------------------------

def test_the_default_rubric_is_the_packaged_xixiang_file_and_says_so_in_every_score():
    rubric = default_rubrics().latest
    assert Path(rubric.source) == packaged("xixiang-2022")
    assert (rubric.scheme.document, rubric.version) == ("西实践发〔2022〕5号", "2022")
    score = quarter_score(EXAMPLE)
    assert (score.total, score.rubric) == (Decimal("64.22"), "2022")
    assert score_quarter(EXAMPLE)["rubric"] == "2022"


def test_the_default_file_declares_each_fact_once_with_its_label_type_and_source():
    rubric = default_rubrics().latest
    assert rubric.facts["staff_on_post"].label == "在编在岗人数"
    assert rubric.facts["months"].sources == ("chat",)
    assert rubric.items_reading("registered_volunteers") == ("2.4", "3.2")
    assert [g.standard for g in rubric.groups] == [5, 15, 50, 10, 10, 10]


def test_a_cross_check_warns_when_registered_volunteers_exceed_staff_on_post():
    facts = default_rubrics().latest.facts
    assert fact_warnings(facts, {"staff_on_post": 50, "registered_volunteers": 60}) == [
        "注册志愿者人数多于在编在岗人数，请核实后确认"]
    assert fact_warnings(facts, {"staff_on_post": 50, "registered_volunteers": 50}) == []


# --- the example district scheme -------------------------------------------------------

def test_the_district_example_scores_a_station_by_deductions_item_by_item():
    score = quarter_score(STATION, DISTRICT)
    assert {i: (fmt(r.score), r.why) for i, r in score.items.items()} == {
        "1.1": ("6", "管理制度未上墙（扣2分）；活动室堆放杂物（扣2分），扣4分"),
        "1.2": ("8", "检查时未开放1次，扣2分"),
        "2.1": ("10", "注册志愿者占比75.0%，达到70%，得10分"),
        "2.2": ("6.6", "全国志愿服务信息系统状态为B（系统抽查问题数1个），按66%计，得6.6分"),
        "3.1": ("12", "本季度应开展活动6次，实际5次，扣3分"),
        "3.2": ("15", "未发现活动敷衍、形式主义或群众投诉，得15分"),
        "3.3": ("6", "“周末课堂”在全区推广，得6分"),
        "4.1": ("10", "宣传报道3项（国家级1项、省级1项、市级1项，同一稿件取最高级别），得10分，"
                      "本项最多得10分"),
        "4.2": ("8", "5月工作信息逾期报送，扣2分"),
    }
    assert (score.total, score.standard, score.percent) == (
        Decimal("81.6"), Decimal("100"), Decimal("81.6"))
    assert score.rubric == "2027" and score.pending == ()


def test_a_sub_centre_reports_every_two_months_and_has_no_venue_item():
    data = STATION | {"category": "sub_centre", "reports": {"2027-04": "late", "2027-06": "on_time"}}
    score = quarter_score(data, DISTRICT)
    assert "1.2" not in score.items and score.standard == 90
    assert score.items["4.2"].why == "4月工作信息逾期报送，扣2分"
    with pytest.raises(InputError, match="reports.2027-05"):
        quarter_score(data | {"reports": {"2027-05": "late"}}, DISTRICT)


def test_the_district_year_adds_its_own_bonus_kinds():
    result = score_year({"year": 2027, "quarters": {"2027Q1": "80", "2027Q2": "81.6"},
                         "bonus": [{"kind": "model", "level": "city"}, {"kind": "promoted"}]},
                        DISTRICT)
    assert (result["mean"], result["bonus"], result["total"]) == ("80.8", "3", "83.8")
    with pytest.raises(InputError, match=r"bonus\[0\]\.kind"):
        score_year({"year": 2027, "bonus": [{"kind": "host_event"}]}, DISTRICT)


def test_python_dash_m_scoring_scores_with_the_rubric_named():
    done = run("--rubric", "example-district", "-", stdin=json.dumps(STATION, ensure_ascii=False))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["total"], result["rubric"]) == ("81.6", "2027")
    assert result["items"]["2.2"]["title"] == "全国志愿服务信息系统状态"


def test_check_prints_the_items_maxima_per_category_and_facts_as_tables():
    done = run("check", "example-district")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for heading in ("评分项", "考核内容", "满分", "分中心", "实践所站", "事实", "类型", "来源",
                    "报送", "年度"):
        assert heading in out
    assert "分中心每2个月，实践所站每月" in out
    total = next(line for line in out.splitlines() if line.startswith("合计"))
    assert total.split()[-2:] == ["90", "100"]
    venue = next(line for line in out.splitlines() if " 1.2 " in line)
    assert venue.split()[-2:] == ["—", "10"]   # not a sub-centre's item


def test_check_stops_on_a_broken_file_with_its_one_message(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text(XIXIANG.replace("cost = 0.5", "cost = -0.5", 1), encoding="utf-8")
    done = run("check", str(broken))
    assert done.returncode == 2 and done.stdout == ""
    assert str(broken) in done.stderr and "items[6]（2.4）.rule.cost = -0.5" in done.stderr


# --- versions --------------------------------------------------------------------------

def newer(text: str = XIXIANG, **changes: str) -> str:
    text = text.replace('version = "2022"', 'version = "2027"').replace(
        'effective_from = "2022Q1"', 'effective_from = "2027Q1"')
    for old, new in changes.items():
        text = text.replace(old, new)
    return text


@pytest.fixture
def two_versions(tmp_path) -> Path:
    (tmp_path / "2022.toml").write_text(XIXIANG, encoding="utf-8")
    (tmp_path / "2027.toml").write_text(
        newer(**{"threshold = 80\ncost = 1": "threshold = 85\ncost = 1"}), encoding="utf-8")
    return tmp_path


def test_each_quarter_is_scored_by_the_version_in_force_then(two_versions):
    versions = load_rubrics(two_versions)
    before = quarter_score(EXAMPLE | {"quarter": "2026Q4", "months": {}}, versions)
    after = quarter_score(EXAMPLE | {"quarter": "2027Q1", "months": {}}, versions)
    assert (before.rubric, before.items["3.3"].why) == ("2022", "电话抽查知晓率76.5%，低于80%，扣3.5分")
    assert (after.rubric, after.items["3.3"].why) == ("2027", "电话抽查知晓率76.5%，低于85%，扣8.5分")
    assert versions.for_quarter(Quarter(2020, 1)).version == "2022"   # before the first: the first
    assert year_score({"year": 2027}, versions).rubric == "2027"


RENAMED = {"awareness_rate": "phone_awareness"}


def test_a_version_that_renames_an_entered_fact_must_say_so(two_versions):
    old = load_rubrics(two_versions).versions[0]
    (two_versions / "2027.toml").write_text(newer(**RENAMED), encoding="utf-8")
    new = load_rubrics(two_versions).latest
    problems = version_problems(old, new, {"awareness_rate", "services"})
    assert len(problems) == 1 and "awareness_rate（知晓率）" in problems[0]
    assert "[previous] renamed" in problems[0]
    assert version_problems(old, new, {"services"}) == []


def test_a_rename_or_a_drop_said_in_previous_is_no_problem(two_versions):
    old = load_rubrics(two_versions).versions[0]
    mapped = newer(**RENAMED, **{"[overrides]": '[previous]\nrenamed = { awareness_rate = '
                                               '"phone_awareness" }\n\n[overrides]'})
    (two_versions / "2027.toml").write_text(mapped, encoding="utf-8")
    assert version_problems(old, load_rubrics(two_versions).latest, {"awareness_rate"}) == []
    dropped = newer(**RENAMED, **{"[overrides]": '[previous]\ndropped = ["awareness_rate"]\n\n'
                                                '[overrides]'})
    (two_versions / "2027.toml").write_text(dropped, encoding="utf-8")
    assert version_problems(old, load_rubrics(two_versions).latest, {"awareness_rate"}) == []


def test_a_version_that_changes_an_entered_facts_type_is_a_problem(two_versions):
    old = load_rubrics(two_versions).versions[0]
    changed = newer(**{'type = "decimal"\nlabel = "本季度志愿服务总时长"':
                       'type = "count"\nlabel = "本季度志愿服务总时长"'})
    (two_versions / "2027.toml").write_text(changed, encoding="utf-8")
    problems = version_problems(old, load_rubrics(two_versions).latest, {"volunteer_hours"})
    assert len(problems) == 1 and "decimal" in problems[0] and "count" in problems[0]


counts = st.integers(min_value=0, max_value=500)
entries = st.lists(st.fixed_dictionaries({"points": st.integers(1, 5),
                                          "reason": st.sampled_from(["敷衍", "杂乱"])}),
                   max_size=4)


@st.composite
def district_inputs(draw) -> dict:
    category = draw(st.sampled_from(["sub_centre", "station"]))
    quarter = Quarter(2027, draw(st.integers(1, 4)))
    due = DISTRICT.latest.submissions["report"].due_months(quarter, category)
    reports = draw(st.dictionaries(st.sampled_from([str(m) for m in due]),
                                   st.sampled_from(["on_time", "late", "missing", "pending",
                                                    "waived", "exempt"])))
    facts = draw(st.fixed_dictionaries({}, optional={
        "has_sign": st.booleans(), "rules_posted": st.booleans(), "venue_deductions": entries,
        "closed_checks": counts, "staff": counts, "registered_volunteers": counts,
        "service_state": st.sampled_from(["A", "B", "C", "C#"]), "system_defects": counts,
        "activities": counts, "quality_deductions": entries, "complaints": counts,
        "brand_points": st.lists(st.fixed_dictionaries(
            {"points": st.integers(0, 10), "reason": st.just("品牌")}), max_size=3),
        "media": st.lists(st.fixed_dictionaries(
            {"story": st.sampled_from("abc"),
             "level": st.sampled_from(["district", "city", "province", "national"])}),
            max_size=6),
        "reports": st.just(reports)}))
    return {"quarter": str(quarter), "category": category, **facts}


@settings(deadline=None, max_examples=150)
@given(district_inputs())
def test_every_district_item_stays_between_zero_and_its_maximum(data):
    score = quarter_score(data, DISTRICT)
    for item in score.items.values():
        assert 0 <= item.score <= item.max
        assert not item.pending or item.score == 0
    assert score.total == sum(i.score for i in score.items.values()) <= score.standard
