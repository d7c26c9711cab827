"""The working-day calendar with the office's arrangements: pure, no database, no clock."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.config_sections import RemindersConfig
from bot.worker.schedule import next_allowed, reminder_times
from scoring import (
    LOCAL_TZ,
    Arrangement,
    DeadlineRules,
    Holiday,
    Month,
    Source,
    deadline,
    is_workday,
    missing_arrangements,
)

SPRING_2027 = Arrangement(2027, (Holiday("春节", date(2027, 2, 5), date(2027, 2, 13)),
                                 Holiday("元旦", date(2026, 12, 31), date(2027, 1, 2))),
                          frozenset({date(2027, 2, 20)}))
WITH_2027 = DeadlineRules(arrangements=(SPRING_2027,))


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def test_a_year_the_office_entered_is_judged_by_its_arrangement():
    assert not is_workday(date(2027, 2, 8), WITH_2027)          # Monday in 春节
    assert is_workday(date(2027, 2, 20), WITH_2027)             # make-up Saturday
    assert not is_workday(date(2027, 2, 21), WITH_2027)         # a plain Sunday
    assert is_workday(date(2027, 3, 1), WITH_2027)              # a plain Monday
    assert WITH_2027.calendar.judge(date(2027, 2, 8)) == (date(2027, 2, 8), False,
                                                          Source.OFFICE, "春节")


def test_the_office_comes_before_the_config_and_the_package():
    rules = DeadlineRules(extra_workdays=frozenset({date(2027, 2, 8)}),
                          extra_holidays=frozenset({date(2027, 3, 1)}),
                          arrangements=(SPRING_2027,))
    assert not is_workday(date(2027, 2, 8), rules)
    assert is_workday(date(2027, 3, 1), rules)
    assert rules.calendar.overridden(2027) == [date(2027, 2, 8), date(2027, 3, 1)]
    # 元旦 2027 begins on 31 December 2026, a Thursday the package calls a working day.
    assert not is_workday(date(2026, 12, 31), rules)
    assert is_workday(date(2026, 12, 30), rules)


def test_each_day_says_where_its_judgement_comes_from():
    rules = DeadlineRules(extra_holidays=frozenset({date(2026, 3, 25)}),
                          arrangements=(SPRING_2027,))
    sources = {d: rules.calendar.judge(d).source for d in
               (date(2027, 5, 3), date(2026, 3, 25), date(2026, 10, 1), date(2028, 5, 1))}
    assert sources == {date(2027, 5, 3): Source.OFFICE, date(2026, 3, 25): Source.CONFIG,
                       date(2026, 10, 1): Source.PACKAGE, date(2028, 5, 1): Source.WEEKDAYS}


def test_a_year_lists_its_weekdays_off_and_weekend_days_at_work():
    days = WITH_2027.calendar.unusual_days(2027)
    assert [(j.day.isoformat(), j.workday) for j in days] == [
        ("2027-01-01", False), ("2027-02-05", False), ("2027-02-08", False),
        ("2027-02-09", False), ("2027-02-10", False), ("2027-02-11", False),
        ("2027-02-12", False), ("2027-02-20", True)]


@pytest.mark.parametrize("holidays, workdays, problem", [
    ((Holiday("春节", date(2027, 2, 13), date(2027, 2, 5)),), (), "早于开始日"),
    ((Holiday("", date(2027, 2, 5), date(2027, 2, 6)),), (), "缺少名称"),
    ((Holiday("国庆节", date(2028, 10, 1), date(2028, 10, 7)),), (), "不在2027年"),
    ((Holiday("春节", date(2027, 2, 5), date(2027, 4, 5)),), (), "请检查日期"),
    ((Holiday("春节", date(2027, 2, 5), date(2027, 2, 9)),
      Holiday("元宵", date(2027, 2, 9), date(2027, 2, 9))), (), "同时属于春节和元宵"),
    ((Holiday("春节", date(2027, 2, 5), date(2027, 2, 13)),), (date(2027, 2, 19),), "本来就上班"),
    ((Holiday("春节", date(2027, 2, 5), date(2027, 2, 13)),), (date(2027, 2, 13),), "既在春节假期内"),
    ((), (), "至少要有一个假日"),
])
def test_an_arrangement_with_a_mistake_is_refused_with_the_reason(holidays, workdays, problem):
    with pytest.raises(ValueError, match=problem):
        Arrangement(2027, holidays, frozenset(workdays))


def test_next_years_arrangement_is_wanted_from_1_november():
    rules = DeadlineRules()
    assert missing_arrangements(date(2026, 10, 31), rules.calendar) == []
    assert missing_arrangements(date(2026, 11, 1), rules.calendar) == [2027]
    assert missing_arrangements(date(2026, 11, 1), WITH_2027.calendar) == []
    assert missing_arrangements(date(2027, 3, 1), rules.calendar) == [2027]


def test_an_arrangement_moves_a_reminder_off_a_new_holiday_and_onto_a_make_up_day():
    cfg = RemindersConfig(schedule=("5 09:10", "20 09:10", "-1 16:10"))
    february = Month(2027, 2)
    assert reminder_times(february, cfg, DeadlineRules()) == [
        sh(2027, 2, 5, 9, 10), sh(2027, 2, 19, 9, 10), sh(2027, 2, 24, 16, 10)]
    assert reminder_times(february, cfg, WITH_2027) == [
        sh(2027, 2, 4, 9, 10), sh(2027, 2, 20, 9, 10), sh(2027, 2, 24, 16, 10)]


def test_with_holiday_shift_a_deadline_on_an_office_holiday_moves_to_the_next_working_day():
    rules = DeadlineRules(holiday_shift=True, arrangements=(Arrangement(
        2027, (Holiday("测试假日", date(2027, 3, 25), date(2027, 3, 26)),)),))
    assert deadline(Month(2027, 3), rules) == sh(2027, 3, 30)   # end of Monday the 29th


@pytest.mark.parametrize("now, rules, expected", [
    (sh(2026, 3, 20, 8, 30), DeadlineRules(), None),
    (sh(2026, 3, 20, 19, 59), DeadlineRules(), None),
    (sh(2026, 3, 20, 4, 33), DeadlineRules(), sh(2026, 3, 20, 8, 30)),
    (sh(2026, 3, 20, 20, 0), DeadlineRules(), sh(2026, 3, 23, 8, 30)),
    (sh(2026, 9, 30, 21, 0), DeadlineRules(), sh(2026, 10, 8, 8, 30)),   # over National Day
    (sh(2027, 2, 4, 21, 0), WITH_2027, sh(2027, 2, 15, 8, 30)),          # over 春节 and a Sunday
])
def test_a_notice_by_hand_may_go_out_on_a_working_day_within_the_quiet_hours(now, rules, expected):
    assert next_allowed(now, RemindersConfig(), rules) == expected
