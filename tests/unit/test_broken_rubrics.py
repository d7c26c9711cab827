"""A broken rubric file stops with one message naming the file, the key path, the value and
what was expected. Each case breaks the default file in one place and writes it out."""
from __future__ import annotations

from pathlib import Path

import pytest

from scoring import RubricError, load_rubrics
from scoring.versions import packaged

DEFAULT = packaged("xixiang-2022").read_text(encoding="utf-8")
MISSING = "缺少"

# (what is broken, text replaced, its replacement, key path, value as shown, expected)
CASES = [
    ("an unknown rule kind", 'kind = "rate"', 'kind = "ratio"',
     "items[6]（2.4）.rule.kind", '"ratio"', '"fact_holds"'),
    ("a rule without a kind", 'kind = "stories"\n', "",
     "items[13]（5）.rule.kind", MISSING, '"stories"'),
    ("a rule without a key it needs", 'label = "注册率"\n', "",
     "items[6]（2.4）.rule.label", MISSING, "必填"),
    ("a number written as text", "threshold = 80\ncost = 0.5", 'threshold = "80"\ncost = 0.5',
     "items[6]（2.4）.rule.threshold", '"80"', "数值"),
    ("a negative cost", "cost = 0.5", "cost = -0.5",
     "items[6]（2.4）.rule.cost", "-0.5", "不小于 0"),
    ("a fractional count", "at_least = 1", "at_least = 1.5",
     "items[7]（2.5）.rule.at_least", "1.5", "整数"),
    ("a boolean for a maximum", "max = 30", "max = true",
     "items[8]（3.1）.max", "true", "数值"),
    ("an unknown key in an item", "max = 30", "max = 30\nmaximum = 30",
     "items[8]（3.1）.maximum", "30", "已知的键之一"),
    ("an unknown table", "[rounding]", "[roundings]\nplaces = 2\n[rounding]",
     "roundings", "{ places = 2 }", "已知的键之一：categories、facts、format"),
    ("a rule reading an undeclared fact", 'denominator = "staff_on_post"',
     'denominator = "staff"', "items[6]（2.4）.rule.denominator", '"staff"', "已声明的事实"),
    ("a rule reading a fact of the wrong type", 'fact = "awareness_rate"', 'fact = "services"',
     "items[10]（3.3）.rule.fact", '"services"', "类型为百分率的事实"),
    ("a category naming an item that does not exist", 'items = ["2.4", "3.1", "3.2", "5"',
     'items = ["2.9", "3.1", "3.2", "5"', "categories.department.items[0]", '"2.9"',
     "已声明的评分项编号"),
    ("a category with no items", 'items = ["2.4", "3.1", "3.2", "5", "6.1", "6.2"]',
     "items = []", "categories.department.items", "[]", "至少含 1 项"),
    ("an item in a group that does not exist", 'group = "6"', 'group = "7"',
     "items[14]（6.1）.group", '"7"', "已声明的考核内容编号"),
    ("maxima not adding up to the group's standard", 'max = 5\n[items.rule]\n# r =',
     'max = 6\n[items.rule]\n# r =', "groups[1]（2）.standard", "15", "各项满分之和 16"),
    ("two items with one id", 'id = "1.2"', 'id = "1.1"',
     "items[1]（1.1）.id", '"1.1"', "不同的编号"),
    ("two groups with one id", 'id = "4"\ntitle = "打造品牌"', 'id = "3"\ntitle = "打造品牌"',
     "groups[3]（3）.id", '"3"', "不同的编号"),
    ("a quarter that does not exist", 'effective_from = "2022Q1"',
     'effective_from = "2022Q5"', "scheme.effective_from", '"2022Q5"', "季度"),
    ("a quarter written as a number", 'effective_from = "2022Q1"', "effective_from = 2022",
     "scheme.effective_from", "2022", "季度"),
    ("a sentence filling in an unknown value", 'why = "满意率评价为{satisfaction}"',
     'why = "满意率评价为{rating}"', "items[15]（6.2）.rule.why", '"满意率评价为{rating}"',
     "{satisfaction}"),
    ("a sentence with an unbalanced brace", 'why = "满意率评价为{satisfaction}"',
     'why = "满意率评价为{satisfaction"', "items[15]（6.2）.rule.why",
     '"满意率评价为{satisfaction"', "{satisfaction}"),
    ("a grade without its points", "points = { excellent = 5, good = 4, fair = 3 }",
     "points = { excellent = 5, good = 4 }", "items[15]（6.2）.rule.points",
     "{ excellent = 5, good = 4 }", "每个等级各有一个分值"),
    ("a grade scoring above the item's maximum", "points = { excellent = 5, good = 4,",
     "points = { excellent = 6, good = 4,", "items[15]（6.2）.rule.points.excellent", "6",
     "不大于本项满分"),
    ("a story level without its points", "points = { county = 1, city = 2, province = 3, ",
     "points = { city = 2, province = 3, ", "items[13]（5）.rule.points",
     "{ city = 2, province = 3, national = 5 }", "每个级别各有一个分值"),
    ("an unknown fact type", 'type = "yes_no"', 'type = "boolean"',
     "facts.annual_plan.type", '"boolean"', '"yes_no"'),
    ("a fact name that is not a name", "[facts.annual_plan]", '[facts."annual plan"]',
     'facts."annual plan"', '"annual plan"', "名称"),
    ("a fact without its label", 'label = "年度工作总结"\n', "",
     "facts.annual_summary.label", MISSING, "必填"),
    ("a submissions fact naming no submission", 'submission = "summary"',
     'submission = "report"', "facts.months.submission", '"report"', "已声明的报送之一"),
    ("a cross-check against an undeclared fact", 'at_most = "staff_on_post"',
     'at_most = "staff"', "facts.registered_volunteers.checks[0].at_most", '"staff"',
     "另一个已声明的"),
    ("a frequency that does not divide the year", "every = 1 ", "every = 5 ",
     "submissions.summary.every", "5", "能整除12"),
    ("a due day past the month", "due_day = 25", "due_day = 32",
     "submissions.summary.due_day", "32", "不大于 31"),
    ("an unknown rounding mode", 'mode = "half_up"', 'mode = "bankers"',
     "rounding.mode", '"bankers"', '"half_up"、"half_even"、"down"、"up"'),
    ("a bonus level the year does not name",
     "points = { central = 2, provincial = 1.5, municipal = 1 }",
     "points = { central = 2, provincial = 1.5, municipal = 1, national = 3 }",
     "year.bonus.research_visit.points.national", "3", "级别为键"),
    ("steps whose catch-all is not last", "steps = [{ up_to = 3, count = 6 }, { count = 10 }]",
     "steps = [{ count = 10 }, { up_to = 3, count = 6 }]", "items[8]（3.1）.rule.required.steps[0]",
     "{ count = 10 }", "含 up_to 的一级"),
    ("a rate given both a fact and a ratio", 'numerator = "registered_volunteers"',
     'fact = "awareness_rate"\nnumerator = "registered_volunteers"', "items[6]（2.4）.rule",
     '{ fact = "awareness_rate"', "二者选一"),
    ("a format this program does not know", "format = 1", "format = 2",
     "format", "2", "以下之一：1"),
    ("a renamed fact that is not declared", "[overrides]",
     '[previous]\nrenamed = { staff = "staff_total" }\n\n[overrides]',
     "previous.renamed.staff", '"staff_total"', "本版本声明的事实"),
]


def write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_there_are_at_least_thirty_broken_files():
    assert len(CASES) + 4 >= 30


@pytest.mark.parametrize("what, old, new, path, value, expected", CASES,
                         ids=[c[0] for c in CASES])
def test_a_broken_file_names_the_file_the_key_path_the_value_and_what_was_expected(
        tmp_path, what, old, new, path, value, expected):
    assert old in DEFAULT, what
    broken = write(tmp_path, DEFAULT.replace(old, new, 1))
    with pytest.raises(RubricError) as caught:
        load_rubrics(broken)
    message = str(caught.value)
    assert str(broken) in message
    assert caught.value.path == path, message
    if value is MISSING:
        assert f"缺少 {path}" in message
    else:
        assert f"{path} = {value}" in message
    assert expected in message.partition("应为")[2], message
    assert message.count("\n") == 0


def test_a_file_that_is_not_toml_says_where_it_breaks(tmp_path):
    broken = write(tmp_path, DEFAULT.replace("max = 30", "max = = 30", 1))
    with pytest.raises(RubricError) as caught:
        load_rubrics(broken)
    message = str(caught.value)
    assert str(broken) in message and "不是有效的 TOML" in message and "line" in message


def test_a_key_declared_twice_is_a_toml_error_naming_the_line(tmp_path):
    broken = write(tmp_path, DEFAULT.replace("[facts.team_flag]", "[facts.annual_plan]", 1))
    with pytest.raises(RubricError, match="annual_plan") as caught:
        load_rubrics(broken)
    assert str(broken) in str(caught.value) and "line" in str(caught.value)


def test_a_file_that_is_not_utf8_or_not_there_is_named(tmp_path):
    broken = tmp_path / "gbk.toml"
    broken.write_bytes(DEFAULT.encode("gbk", errors="replace"))
    with pytest.raises(RubricError, match="UTF-8") as caught:
        load_rubrics(broken)
    assert str(broken) in str(caught.value)
    with pytest.raises(RubricError, match="找不到") as caught:
        load_rubrics(tmp_path / "nope.toml")
    assert "nope.toml" in str(caught.value)


def test_an_empty_file_lacks_its_format_first(tmp_path):
    with pytest.raises(RubricError) as caught:
        load_rubrics(write(tmp_path, ""))
    assert caught.value.path == "format" and "缺少 format" in str(caught.value)


def test_two_versions_from_one_quarter_name_both_files(tmp_path):
    write(tmp_path, DEFAULT, "a.toml")
    write(tmp_path, DEFAULT.replace('version = "2022"', 'version = "2022b"'), "b.toml")
    with pytest.raises(RubricError) as caught:
        load_rubrics(tmp_path)
    message = str(caught.value)
    assert "a.toml" in message and "b.toml" in message and "scheme.effective_from" in message
