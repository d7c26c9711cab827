"""`python -m scoring FILE.json` as a person or a script would run it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoring", *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
                          timeout=60, check=False)


def write(tmp_path: Path, data: object) -> str:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_a_quarter_file_prints_its_score_as_indented_chinese_json(tmp_path):
    done = run(write(tmp_path, EXAMPLE))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["total"] == "64.22"
    assert result["items"]["6.1"]["why"] == "2月小结逾期提交，扣0.5分"
    assert "逾期" in done.stdout and '\n  "quarter"' in done.stdout


def test_a_year_on_standard_input_prints_the_annual_score():
    data = {"year": 2026, "quarters": {"2026Q1": "64.22"},
            "bonus": [{"kind": "research_visit", "level": "provincial"}, {"kind": "host_event"},
                      {"kind": "endorsement", "level": "county"}],
            "deductions": [{"points": "1", "reason": "材料未按要求报送"}]}
    done = run("-", stdin=json.dumps(data))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) | {"quarters": None} == {
        "year": 2026, "mean": "64.22", "bonus": "2.5", "deductions": "1", "total": "65.72",
        "provisional": True, "quarters": None}


def test_decimals_in_the_json_are_read_exactly():
    done = run("-", stdin='{"quarter": "2026Q1", "awareness_rate": 79.995}')
    assert json.loads(done.stdout)["items"]["3.3"]["score"] == "10"   # 9.995 half up


def test_bad_input_exits_2_naming_the_field_on_stderr(tmp_path):
    data = EXAMPLE | {"media": [{"story": "义诊", "level": "city"},
                                {"story": "义诊", "level": "town"}]}
    done = run(write(tmp_path, data))
    assert done.returncode == 2
    assert "media[1].level" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("text, needle", [
    ('{"quarter": "2026Q5"}', "quarter"),
    ('{"year": 2026, "quarters": {"2026Q1": -5}}', "quarters.2026Q1"),
    ('{"quarter": "2026Q1", "year": 2026}', "quarter"),
    ('{"category": "key"}', "quarter"),
    ('[1, 2]', "JSON"),
    ('{"quarter": ', "JSON"),
    ('', "JSON"),
])
def test_each_kind_of_bad_input_exits_2_with_a_message(text, needle):
    done = run("-", stdin=text)
    assert done.returncode == 2
    assert needle in done.stderr


def test_a_missing_file_or_no_argument_exits_2(tmp_path):
    assert run(str(tmp_path / "nowhere.json")).returncode == 2
    assert run().returncode == 2
