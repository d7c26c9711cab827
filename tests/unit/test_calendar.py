"""The deadline calendar: months, quarters, deadlines, completion and month status."""
from __future__ import annotations

import os
import time
from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest

from scoring import (LOCAL_TZ, CompletionRules, DeadlineRules, Material, Month, MonthStatus,
                     Quarter, completed_at, count_chars, deadline, filing_month, is_due,
                     is_workday, judge_month, local, month_of, month_status, open_month,
                     period_label, still_owed, time_left)
from tests.conftest import shanghai

UTC = timezone.utc
DEFAULT = DeadlineRules()
SHIFT = DeadlineRules(holiday_shift=True)
MARCH = Month(2026, 3)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(params=["America/New_York", "UTC", "Asia/Shanghai"])
def server_timezone(request):
    """Run the test with the process's own timezone set elsewhere, then restore it."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    try:
        if request.param == "America/New_York":
            assert time.timezone == 5 * 3600  # the change really took effect
        yield request.param
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


# --- months and quarters -------------------------------------------------------------

@pytest.mark.parametrize("text", ["2026-03", "2026-3", "2026年3月", "202603", " 2026-03 "])
def test_a_month_is_read_from_each_accepted_form(text):
    assert Month.parse(text) == MARCH


@pytest.mark.parametrize("text", ["2026-13", "2026-0", "2026年13月", "202600", "2026/03",
                                  "26-03", "march", "", "2026-03-01", "２０２６-03"])
def test_a_month_in_any_other_form_or_out_of_range_is_refused_in_chinese(text):
    with pytest.raises(ValueError, match="月"):
        Month.parse(text)


def test_a_month_that_is_not_text_is_refused():
    with pytest.raises(ValueError):
        Month.parse(202603)  # type: ignore[arg-type]


def test_a_month_cannot_be_built_with_month_13():
    with pytest.raises(ValueError):
        Month(2026, 13)


def test_a_month_is_written_as_iso_and_labelled_in_chinese():
    assert str(Month(2026, 3)) == "2026-03"
    assert Month(2026, 3).label == "2026年3月"


def test_months_step_across_the_year_boundary():
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 1).prev() == Month(2025, 12)
    assert Month(2026, 5).next() == Month(2026, 6)
    assert Month(2026, 5).prev() == Month(2026, 4)


def test_months_order_by_year_then_month():
    assert Month(2025, 12) < Month(2026, 1) < Month(2026, 2)


def test_a_month_knows_its_quarter_and_first_day():
    assert Month(2026, 3).quarter == Quarter(2026, 1)
    assert Month(2026, 4).quarter == Quarter(2026, 2)
    assert Month(2026, 12).quarter == Quarter(2026, 4)
    assert Month(2026, 3).first_day() == date(2026, 3, 1)


@pytest.mark.parametrize("text", ["2026Q1", "2026q1", "2026年第一季度"])
def test_a_quarter_is_read_from_each_accepted_form(text):
    assert Quarter.parse(text) == Quarter(2026, 1)


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "2026Q", "26Q1", "Q1 2026", "2026-Q1",
                                  "2026年第五季度", ""])
def test_a_quarter_in_any_other_form_or_out_of_range_is_refused_in_chinese(text):
    with pytest.raises(ValueError, match="季度"):
        Quarter.parse(text)


def test_a_quarter_is_written_as_2026q1_and_labelled_in_chinese():
    assert str(Quarter(2026, 1)) == "2026Q1"
    assert Quarter(2026, 4).label == "2026年第四季度"


def test_a_quarter_has_its_three_months_in_order():
    assert Quarter(2026, 2).months() == (Month(2026, 4), Month(2026, 5), Month(2026, 6))


def test_quarters_step_across_the_year_boundary():
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2026, 1).prev() == Quarter(2025, 4)
    assert Quarter(2026, 2).next() == Quarter(2026, 3)


# --- text and time -------------------------------------------------------------------

def test_characters_are_counted_without_any_whitespace_including_the_full_width_space():
    assert count_chars("敬老 义诊\t活动\n\u3000完成\r ok") == 10
    assert count_chars(" \u3000\n") == 0


def test_an_aware_instant_is_shown_in_shanghai_time():
    shown = local(utc(2026, 3, 31, 16, 0))
    assert shown == sh(2026, 4, 1, 0, 0)
    assert shown.utcoffset() == timedelta(hours=8)


def test_the_month_of_an_instant_is_its_shanghai_month():
    assert month_of(utc(2026, 3, 31, 15, 59, 59)) == Month(2026, 3)
    assert month_of(utc(2026, 3, 31, 16, 0)) == Month(2026, 4)


def test_a_naive_datetime_is_refused_everywhere_time_matters():
    naive = datetime(2026, 3, 24, 12, 0)
    for call in (lambda: local(naive), lambda: month_of(naive),
                 lambda: month_status(MARCH, None, naive, DEFAULT),
                 lambda: month_status(MARCH, naive, sh(2026, 3, 1), DEFAULT),
                 lambda: time_left(naive, sh(2026, 3, 25)),
                 lambda: open_month(naive, lambda m: True, DEFAULT)):
        with pytest.raises(ValueError):
            call()


# --- working days --------------------------------------------------------------------

def test_a_statutory_holiday_is_not_a_workday():
    assert chinese_calendar.is_holiday(date(2026, 10, 1))
    assert not is_workday(date(2026, 10, 1), DEFAULT)


def test_a_statutory_make_up_saturday_is_a_workday():
    assert date(2026, 10, 10).weekday() == 5
    assert is_workday(date(2026, 10, 10), DEFAULT)


def test_the_extra_lists_come_before_the_statutory_calendar():
    rules = DeadlineRules(extra_holidays=frozenset({date(2026, 3, 25)}),
                          extra_workdays=frozenset({date(2026, 10, 25)}))
    assert not is_workday(date(2026, 3, 25), rules)
    assert is_workday(date(2026, 10, 25), rules)


def test_a_year_the_statutory_calendar_does_not_know_falls_back_to_weekdays():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2031, 5, 26))
    assert is_workday(date(2031, 5, 26), DEFAULT)       # Monday
    assert not is_workday(date(2031, 5, 25), DEFAULT)   # Sunday
    assert not is_workday(date(2031, 5, 24), DEFAULT)   # Saturday


def test_deadline_rules_refuse_a_day_outside_1_to_31():
    for day in (0, 32):
        with pytest.raises(ValueError):
            DeadlineRules(day=day)


def test_deadline_rules_refuse_a_day_that_is_both_an_extra_holiday_and_an_extra_workday():
    same = frozenset({date(2026, 3, 25)})
    with pytest.raises(ValueError, match="2026-03-25"):
        DeadlineRules(extra_holidays=same, extra_workdays=same)


# --- deadlines -----------------------------------------------------------------------

def test_by_default_the_deadline_is_the_25th_at_midnight_shanghai_time():
    due = deadline(MARCH, DEFAULT)
    assert due == sh(2026, 3, 25)
    assert due.tzinfo is LOCAL_TZ
    assert due == utc(2026, 3, 24, 16, 0)


def test_an_inclusive_deadline_lets_all_of_the_25th_count():
    assert deadline(MARCH, DeadlineRules(inclusive=True)) == sh(2026, 3, 26)


def test_the_deadline_day_is_clamped_to_the_length_of_the_month():
    assert deadline(Month(2026, 4), DeadlineRules(day=31)) == sh(2026, 4, 30)
    assert deadline(Month(2026, 2), DeadlineRules(day=31, inclusive=True)) == sh(2026, 3, 1)
    assert deadline(Month(2028, 2), DeadlineRules(day=30)) == sh(2028, 2, 29)
    assert deadline(Month(2026, 12), DeadlineRules(day=31, inclusive=True)) == sh(2027, 1, 1)


def test_without_holiday_shift_a_sunday_deadline_does_not_move():
    assert date(2026, 10, 25).weekday() == 6
    assert deadline(Month(2026, 10), DEFAULT) == sh(2026, 10, 25)


def test_with_holiday_shift_a_sunday_25th_moves_to_the_end_of_monday():
    assert not chinese_calendar.is_workday(date(2026, 10, 25))
    assert chinese_calendar.is_workday(date(2026, 10, 26))
    assert deadline(Month(2026, 10), SHIFT) == sh(2026, 10, 27)


def test_a_shifted_deadline_ignores_inclusive():
    rules = DeadlineRules(holiday_shift=True, inclusive=True)
    assert deadline(Month(2026, 10), rules) == sh(2026, 10, 27)


def test_with_holiday_shift_a_statutory_holiday_on_the_25th_moves_past_the_whole_break():
    # 2026-09-25 is the Mid-autumn Festival (a Friday); the break runs to Sunday the 27th.
    assert chinese_calendar.get_holiday_detail(date(2026, 9, 25)) == (
        True, chinese_calendar.Holiday.mid_autumn_festival.value)
    assert deadline(Month(2026, 9), SHIFT) == sh(2026, 9, 29)


def test_with_holiday_shift_a_working_25th_keeps_the_ordinary_deadline():
    assert deadline(MARCH, SHIFT) == sh(2026, 3, 25)
    assert deadline(MARCH, DeadlineRules(holiday_shift=True, inclusive=True)) == sh(2026, 3, 26)


def test_an_extra_make_up_workday_on_the_25th_keeps_the_deadline_from_shifting():
    rules = DeadlineRules(holiday_shift=True, extra_workdays=frozenset({date(2026, 10, 25)}))
    assert deadline(Month(2026, 10), rules) == sh(2026, 10, 25)


def test_an_extra_holiday_on_the_25th_shifts_the_deadline_past_it_and_any_that_follow():
    rules = DeadlineRules(holiday_shift=True,
                          extra_holidays=frozenset({date(2026, 3, 25), date(2026, 3, 26)}))
    assert deadline(MARCH, rules) == sh(2026, 3, 28)


def test_an_extra_make_up_workday_after_the_25th_is_where_a_shifted_deadline_lands():
    # Sat 2026-04-25 is off, and so by default is Sun the 26th; a 调休 Sunday takes the deadline.
    rules = DeadlineRules(holiday_shift=True, extra_workdays=frozenset({date(2026, 4, 26)}))
    assert deadline(Month(2026, 4), SHIFT) == sh(2026, 4, 28)
    assert deadline(Month(2026, 4), rules) == sh(2026, 4, 27)


def test_in_a_year_the_statutory_calendar_does_not_know_a_weekend_25th_shifts_to_monday():
    assert deadline(Month(2031, 5), SHIFT) == sh(2031, 5, 27)     # Sun -> end of Mon 26th
    assert deadline(Month(2031, 10), SHIFT) == sh(2031, 10, 28)   # Sat -> end of Mon 27th
    assert deadline(Month(2031, 3), SHIFT) == sh(2031, 3, 25)     # Tuesday: unchanged


# --- on time or late, whatever the server's timezone ---------------------------------

ON_TIME_INSTANTS = [sh(2026, 3, 24, 23, 59, 59), utc(2026, 3, 24, 15, 59, 59)]
LATE_INSTANTS = [sh(2026, 3, 25, 0, 0, 0), utc(2026, 3, 24, 16, 0, 0)]
LATER = sh(2026, 4, 10)


@pytest.mark.parametrize("completed", ON_TIME_INSTANTS, ids=["shanghai", "utc"])
def test_a_summary_completed_at_23_59_59_on_the_24th_is_on_time(completed, server_timezone):
    assert month_status(MARCH, completed, LATER, DEFAULT) is MonthStatus.ON_TIME


@pytest.mark.parametrize("completed", LATE_INSTANTS, ids=["shanghai", "utc"])
def test_a_summary_completed_at_midnight_starting_the_25th_is_late(completed, server_timezone):
    assert month_status(MARCH, completed, LATER, DEFAULT) is MonthStatus.LATE


def test_the_deadline_is_the_same_instant_whatever_the_server_timezone(server_timezone):
    assert deadline(MARCH, DEFAULT).astimezone(UTC) == utc(2026, 3, 24, 16, 0)
    assert month_of(utc(2026, 3, 31, 16, 0)) == Month(2026, 4)


def test_with_inclusive_a_summary_completed_late_on_the_25th_is_on_time():
    rules = DeadlineRules(inclusive=True)
    assert month_status(MARCH, sh(2026, 3, 25, 23, 59, 59), LATER, rules) is MonthStatus.ON_TIME
    assert month_status(MARCH, sh(2026, 3, 26), LATER, rules) is MonthStatus.LATE


# --- completion ----------------------------------------------------------------------

RULES = CompletionRules()


def test_no_materials_means_never_complete():
    assert completed_at([], RULES) is None


def test_completion_is_the_first_instant_both_thresholds_are_met_in_time_order():
    materials = [Material(at=sh(2026, 3, 20), chars=30),
                 Material(at=sh(2026, 3, 5), photos=1),
                 Material(at=sh(2026, 3, 10), chars=20),
                 Material(at=sh(2026, 3, 22), chars=100, photos=3)]
    assert completed_at(materials, RULES) == sh(2026, 3, 20)


def test_exactly_the_minimum_characters_and_photos_is_complete():
    materials = [Material(at=sh(2026, 3, 1), chars=50, photos=1)]
    assert completed_at(materials, RULES) == sh(2026, 3, 1)


def test_one_character_short_is_not_complete():
    materials = [Material(at=sh(2026, 3, 1), chars=49, photos=5)]
    assert completed_at(materials, RULES) is None


def test_text_without_a_photo_is_not_complete_until_the_photo_arrives():
    materials = [Material(at=sh(2026, 3, 9), photos=1), Material(at=sh(2026, 3, 1), chars=500)]
    assert completed_at(materials, RULES) == sh(2026, 3, 9)


def test_with_no_photo_required_text_alone_completes():
    materials = [Material(at=sh(2026, 3, 1), chars=60)]
    assert completed_at(materials, CompletionRules(min_photos=0)) == sh(2026, 3, 1)


def test_materials_in_different_timezones_are_ordered_by_instant():
    materials = [Material(at=sh(2026, 3, 2, 7, 0), photos=1),      # 2026-03-01 23:00 UTC
                 Material(at=utc(2026, 3, 1, 22, 0), chars=50)]
    assert completed_at(materials, RULES) == sh(2026, 3, 2, 7, 0)


# --- month status --------------------------------------------------------------------

def test_an_exempt_month_is_exempt_even_when_completed_on_time():
    status = month_status(MARCH, sh(2026, 3, 1), LATER, DEFAULT, exempt=True, waived=True)
    assert status is MonthStatus.EXEMPT


def test_a_month_completed_on_time_stays_on_time_even_if_also_waived():
    assert month_status(MARCH, sh(2026, 3, 1), LATER, DEFAULT, waived=True) is MonthStatus.ON_TIME


def test_a_waived_month_is_waived_whether_late_or_missing():
    assert month_status(MARCH, sh(2026, 3, 27), LATER, DEFAULT,
                        waived=True) is MonthStatus.WAIVED
    assert month_status(MARCH, None, LATER, DEFAULT, waived=True) is MonthStatus.WAIVED


def test_a_month_completed_after_the_deadline_is_late():
    assert month_status(MARCH, sh(2026, 3, 27), LATER, DEFAULT) is MonthStatus.LATE


def test_an_incomplete_month_is_missing_from_the_deadline_on():
    assert month_status(MARCH, None, sh(2026, 3, 25), DEFAULT) is MonthStatus.MISSING


def test_an_incomplete_month_is_pending_until_the_deadline():
    assert month_status(MARCH, None, sh(2026, 3, 24, 23, 59, 59),
                        DEFAULT) is MonthStatus.PENDING


def test_each_status_has_a_chinese_label_and_its_rubric_value():
    labels = {s.value: s.label for s in MonthStatus}
    assert labels == {"on_time": "按时", "late": "逾期", "missing": "未报",
                      "pending": "未到期", "waived": "已豁免", "exempt": "免报",
                      "not_due": "非报送月"}
    assert MonthStatus("late") is MonthStatus.LATE


# --- the open month ------------------------------------------------------------------

def never_asked(month: Month) -> bool:
    raise AssertionError("completion should not matter before the deadline")


def test_before_the_deadline_the_open_month_is_the_current_month():
    assert open_month(sh(2026, 3, 24, 23, 59), never_asked, DEFAULT) == MARCH


def test_after_the_deadline_an_incomplete_month_stays_open_for_a_late_summary():
    assert open_month(sh(2026, 3, 25), lambda m: False, DEFAULT) == MARCH


def test_after_the_deadline_a_complete_month_hands_over_to_the_next():
    asked = []

    def complete(month: Month) -> bool:
        asked.append(month)
        return True

    assert open_month(sh(2026, 3, 25), complete, DEFAULT) == Month(2026, 4)
    assert asked == [MARCH]


def test_the_open_month_after_a_complete_december_is_next_january():
    assert open_month(sh(2026, 12, 28), lambda m: True, DEFAULT) == Month(2027, 1)


def test_the_open_month_is_judged_by_shanghai_time_not_utc():
    # 2026-03-31 17:00 UTC is already April 1st in Shanghai.
    assert open_month(utc(2026, 3, 31, 17, 0), never_asked, DEFAULT) == Month(2026, 4)


# --- time left -----------------------------------------------------------------------

NOW = sh(2026, 3, 20, 8, 0)


@pytest.mark.parametrize("delta, text", [
    (timedelta(days=3, hours=4, minutes=30), "3天4小时"),
    (timedelta(days=2), "2天"),
    (timedelta(hours=5, minutes=12, seconds=59), "5小时12分"),
    (timedelta(hours=1), "1小时"),
    (timedelta(minutes=7, seconds=30), "7分钟"),
    (timedelta(seconds=20), "不到1分钟"),
    (timedelta(0), "已过期"),
    (timedelta(hours=-1), "已过期"),
])
def test_time_left_is_said_in_chinese(delta, text):
    assert time_left(NOW, NOW + delta) == text


def test_time_left_works_across_timezones():
    assert time_left(utc(2026, 3, 20, 0, 0), sh(2026, 3, 20, 10, 30)) == "2小时30分"


def test_a_month_counted_back_crosses_years_like_stepping_back_one_month_at_a_time():
    month = Month(2026, 2)
    stepped = [month]
    for _ in range(26):
        stepped.append(stepped[-1].prev())
    assert [month.back(n) for n in range(27)] == stepped
    assert month.back(2) == Month(2025, 12)


# --- periods longer than a month (a rubric's [submissions] every) ---------------------

EVERY_TWO = DeadlineRules(every=(("sub_centre", 2),))


def test_a_category_reporting_every_two_months_is_due_in_each_period_s_last_month():
    due = [m for m in range(1, 13) if is_due(Month(2027, m), "sub_centre", EVERY_TWO)]
    assert due == [2, 4, 6, 8, 10, 12]
    assert all(is_due(Month(2027, m), "station", EVERY_TWO) for m in range(1, 13))


def test_materials_sent_in_a_period_s_first_month_belong_to_its_last():
    assert filing_month(Month(2027, 1), "sub_centre", EVERY_TWO) == Month(2027, 2)
    assert filing_month(Month(2027, 2), "sub_centre", EVERY_TWO) == Month(2027, 2)
    assert filing_month(Month(2027, 11), "sub_centre", EVERY_TWO) == Month(2027, 12)
    assert filing_month(Month(2027, 1), "station", EVERY_TWO) == Month(2027, 1)
    assert period_label(Month(2027, 2), "sub_centre", EVERY_TWO) == "2027年1—2月"
    assert period_label(Month(2027, 2), "station", EVERY_TWO) == "2027年2月"


def test_a_star_sets_the_frequency_of_every_category_without_its_own():
    rules = DeadlineRules(every=(("*", 3), ("station", 1)))
    assert rules.every_for("sub_centre") == 3 and rules.every_for("station") == 1
    assert filing_month(Month(2027, 4), "key", rules) == Month(2027, 6)


def test_a_month_without_a_due_summary_is_not_due_whatever_it_holds():
    month = Month(2027, 1)
    judged = judge_month(month, [Material(shanghai(2027, 1, 5, 9, 0, 0), 500, 3)],
                         shanghai(2027, 2, 10, 9, 0, 0), EVERY_TWO, CompletionRules(),
                         category="sub_centre")
    assert judged.status is MonthStatus.NOT_DUE
    assert not still_owed(month, 0, 0, shanghai(2027, 2, 10, 9, 0, 0), shanghai(2026, 1, 1),
                          EVERY_TWO, CompletionRules(), category="sub_centre")
    assert still_owed(month, 0, 0, shanghai(2027, 2, 10, 9, 0, 0), shanghai(2026, 1, 1),
                      EVERY_TWO, CompletionRules(), category="station")


def test_the_open_month_of_a_two_month_category_is_its_period_s_last_until_that_is_done():
    january = shanghai(2027, 1, 10, 9, 0, 0)
    assert open_month(january, never_asked, EVERY_TWO, "sub_centre") == Month(2027, 2)
    after = shanghai(2027, 3, 5, 9, 0, 0)   # February's deadline has passed
    assert open_month(after, lambda m: False, EVERY_TWO, "sub_centre") == Month(2027, 4)
    late_feb = shanghai(2027, 2, 26, 9, 0, 0)
    assert open_month(late_feb, lambda m: False, EVERY_TWO, "sub_centre") == Month(2027, 2)
    assert open_month(late_feb, lambda m: True, EVERY_TWO, "sub_centre") == Month(2027, 4)
