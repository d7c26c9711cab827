"""The config names the rubric file: a bad one stops start-up with one message, the old
[rubric] numbers still override the default file (deprecated, said in the log), and the
deadline and completeness come from the file's submission."""
from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from bot.config import ConfigError, build_config, load_config
from bot.rules import miss_cost, rules
from scoring import Month, Quarter
from scoring.versions import packaged

XIXIANG = packaged("xixiang-2022").read_text(encoding="utf-8")


def test_without_a_file_the_packaged_default_scores():
    r = rules(build_config({}))
    assert r.rubric.latest.version == "2022" and len(r.rubric.versions) == 1
    assert (r.deadline.day, r.deadline.inclusive, r.deadline.holiday_shift) == (25, False, False)
    assert (r.completion.min_chars, r.completion.min_photos) == (50, 1)


def test_a_bad_rubric_file_stops_start_up_with_one_message_naming_it(tmp_path):
    broken = tmp_path / "rubric.toml"
    broken.write_text(XIXIANG.replace('group = "6"', 'group = "7"', 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        build_config({"rubric": {"file": str(broken)}})
    message = str(caught.value)
    assert str(broken) in message and 'items[14]（6.1）.group = "7"' in message
    assert "已声明的考核内容编号" in message and "\n" not in message
    with pytest.raises(ConfigError, match="找不到"):
        build_config({"rubric": {"file": str(tmp_path / "none.toml")}})
    with pytest.raises(ConfigError, match=r"rubric\.file"):
        build_config({"rubric": {"file": 7}})


def test_the_environment_may_name_the_rubric_file(tmp_path):
    config = load_config(environ={"BOT_RUBRIC_FILE": "example-district"})
    assert rules(config).rubric.latest.version == "2027"


def test_the_deadline_and_completeness_come_from_the_rubric_files_submission():
    r = rules(build_config({"rubric": {"file": "example-district"}}))
    assert (r.deadline.day, r.deadline.inclusive, r.deadline.holiday_shift) == (28, True, True)
    assert (r.completion.min_chars, r.completion.min_photos) == (200, 2)
    assert miss_cost(r, Month(2027, 5)) == 2


def test_deadline_keys_in_the_config_still_win_and_are_said_to_be_deprecated(caplog):
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        config = build_config({"rubric": {"file": "example-district"},
                               "deadline": {"day": 20}, "summary": {"min_photos": 0}})
    r = rules(config)
    assert (r.deadline.day, r.deadline.inclusive, r.completion.min_photos) == (20, True, 0)
    said = [rec.getMessage() for rec in caplog.records]
    assert any("deadline.day is deprecated" in s and "due_day" in s for s in said)
    assert any("summary.min_photos is deprecated" in s for s in said)


def test_the_old_rubric_numbers_override_the_default_file_with_a_line_in_the_log(caplog):
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        config = build_config({"rubric": {"month_miss_cost": 1,
                                          "categories": {"department": ["2.4", "6.1"]}}})
    said = [rec.getMessage() for rec in caplog.records]
    assert sum("[rubric] categories, month_miss_cost is deprecated" in s for s in said) == 1
    r = rules(config)
    assert miss_cost(r, Month(2026, 3)) == Decimal(1)
    assert r.rubric.for_quarter(Quarter(2026, 1)).applicable("department") == ("2.4", "6.1")


def test_the_old_numbers_are_refused_by_a_file_that_does_not_declare_them():
    with pytest.raises(ConfigError, match="未知的评分参数：month_miss_cost"):
        build_config({"rubric": {"file": "example-district", "month_miss_cost": 1}})
    with pytest.raises(ConfigError, match="month_miss_cost"):
        build_config({"rubric": {"month_miss_cost": -1}})
