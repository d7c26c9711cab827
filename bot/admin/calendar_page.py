"""节假日安排: the office enters a year's 放假调休安排 (holidays as date ranges with a name,
make-up working days as dates); it decides that year's working days, and so when
reminders go out and, with holiday_shift, when summaries are due. Every change is audited."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from bot.admin.web import actor, bp, flash_error, flash_ok, now, rules, services, unit_of_work
from bot.office import arrangements
from bot.worker.schedule import reminder_times, weekdays_only_days
from scoring import (
    Arrangement,
    Holiday,
    Month,
    arrangement_problems,
    deadline,
    local,
    missing_arrangements,
    package_knows,
)
from scoring.holidays import NEXT_YEAR_WANTED_FROM, WEEKDAY_NAMES
from storage.models import HolidayArrangement

STATUTORY = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
SPARE_ROWS, WORKDAY_INPUTS = 2, 8


@dataclass(frozen=True)
class MonthPlan:
    """A month of the year as the calendar makes it: its deadline and its reminders."""

    month: Month
    due: datetime
    reminders: list[datetime]
    weekdays_only: bool


def default_year(today: date) -> int:
    """The year the page opens on: the first one still missing, else the one now wanted."""
    missing = missing_arrangements(today, rules().deadline.calendar)
    if missing:
        return missing[0]
    return today.year + 1 if (today.month, today.day) >= NEXT_YEAR_WANTED_FROM else today.year


def read_form(year: int, form: MultiDict) -> tuple[Arrangement | None, list[str]]:
    """The arrangement the form describes, or the problems to show (in Chinese)."""
    problems, holidays, workdays = [], [], []
    rows = zip(form.getlist("holiday_name"), form.getlist("holiday_first"),
               form.getlist("holiday_last"))
    for name, first, last in rows:
        name, first, last = name.strip(), first.strip(), last.strip()
        if not first and not last:
            continue  # a row left empty (the statutory names are there to help)
        try:
            holidays.append(Holiday(name, date.fromisoformat(first or last),
                                    date.fromisoformat(last or first)))
        except ValueError:
            problems.append(f"{name or '假日'}的日期写法不对：应写成 {year}-02-05")
    for text in form.getlist("workday"):
        if text.strip():
            try:
                workdays.append(date.fromisoformat(text.strip()))
            except ValueError:
                problems.append(f"调休上班日「{text.strip()}」写法不对：应写成 {year}-02-20")
    problems += arrangement_problems(year, holidays, workdays)
    if problems:
        return None, problems
    return Arrangement(year, tuple(holidays), frozenset(workdays)), []


def form_rows(entered: Arrangement | None, form: MultiDict | None) -> tuple[list, list]:
    """The holiday rows and the make-up day inputs to show: what was typed, else entered."""
    if form is not None:
        rows = list(zip(form.getlist("holiday_name"), form.getlist("holiday_first"),
                        form.getlist("holiday_last")))
        return rows, form.getlist("workday")
    if entered is None:
        rows = [(name, "", "") for name in STATUTORY]
        days = []
    else:
        rows = [(h.name, h.first.isoformat(), h.last.isoformat())
                for h in sorted(entered.holidays, key=lambda h: h.first)]
        days = sorted(d.isoformat() for d in entered.workdays)
    rows += [("", "", "")] * SPARE_ROWS
    days += [""] * max(WORKDAY_INPUTS - len(days), 2)
    return rows, days


def month_plans(year: int) -> list[MonthPlan]:
    """Each month of the year: deadline and reminder times under the current rules."""
    r, cfg = rules(), services().config.reminders
    months = [Month(year, m) for m in range(1, 13)]
    return [MonthPlan(m, deadline(m, r.deadline), reminder_times(m, cfg, r.deadline),
                      bool(weekdays_only_days(m, r.deadline))) for m in months]


def render(year: int, problems=(), form: MultiDict | None = None, status: int = 200):
    with unit_of_work() as uow:
        entered = arrangements.arrangement(uow.session, year)
        row = uow.session.get(HolidayArrangement, year)
    calendar = rules().deadline.calendar
    rows, workdays = form_rows(entered, form)
    return render_template(
        "admin/calendar.html", year=year, entered=entered, row=row, rows=rows,
        workdays=workdays, problems=problems, days=calendar.unusual_days(year),
        overridden=calendar.overridden(year), package_knows=package_knows(year),
        plans=month_plans(year), weekday_names=WEEKDAY_NAMES), status


@bp.get("/calendar")
def calendar_page():
    """A year's arrangement: the form, the days it makes unusual, the reminders it moves."""
    year = request.args.get("year", type=int) or default_year(local(now()).date())
    return render(min(max(year, 2000), 2100))


@bp.post("/calendar/<int:year>")
def save_calendar(year: int):
    """Enter or replace a year's arrangement; it applies at once in this process."""
    arrangement, problems = read_form(year, request.form)
    if arrangement is None:
        return render(year, problems, request.form, 400)
    with unit_of_work() as uow:
        changed = arrangements.save_arrangement(uow.session, arrangement, now(), actor())
        uow.commit()
    services().conversation.current_rules.invalidate()
    flash_ok(f"已保存{year}年放假调休安排。" if changed else f"{year}年放假调休安排没有变化。")
    return redirect(url_for("admin.calendar_page", year=year))


@bp.post("/calendar/<int:year>/delete")
def delete_calendar(year: int):
    """Remove a year's arrangement: the package and the config judge the year again."""
    with unit_of_work() as uow:
        removed = arrangements.delete_arrangement(uow.session, year, now(), actor())
        uow.commit()
    services().conversation.current_rules.invalidate()
    if removed:
        flash_ok(f"已删除{year}年放假调休安排。")
    else:
        flash_error(f"{year}年没有录入放假调休安排。")
    return redirect(url_for("admin.calendar_page", year=year))
