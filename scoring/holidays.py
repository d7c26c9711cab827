"""Working days: the State Council's 放假调休安排 as the office entered it, the config's
extra lists, the chinesecalendar package, and plain Monday to Friday, in that order.

Pure: the office's arrangements arrive as data (`Arrangement`); nothing here reads a
database or a clock.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, NamedTuple

import chinese_calendar

WEEKDAY_NAMES = "一二三四五六日"
NEXT_YEAR_WANTED_FROM = (11, 1)  # (month, day): from then on next year's arrangement is due
# A holiday entered for a year may begin in the December before it (元旦 2024 began on
# 2023-12-30) or end in the January after it; it may not reach further.
_LONGEST_HOLIDAY_DAYS = 31
_PACKAGE_NAMES = {h.value: h.chinese for h in chinese_calendar.Holiday}


class Source(str, enum.Enum):
    """Where the judgement of a day comes from."""

    OFFICE = "office"        # the arrangement the office entered in /admin
    CONFIG = "config"        # [deadline] extra_holidays / extra_workdays
    PACKAGE = "package"      # chinesecalendar
    WEEKDAYS = "weekdays"    # nothing knows the year: Monday to Friday

    @property
    def label(self) -> str:
        """Name the source in Chinese."""
        return _SOURCE_LABELS[self]


_SOURCE_LABELS = {Source.OFFICE: "办公室录入", Source.CONFIG: "配置文件",
                  Source.PACKAGE: "法定日历包", Source.WEEKDAYS: "仅按周一至周五"}


@dataclass(frozen=True)
class Holiday:
    """One holiday of an arrangement: a name and its first and last day off."""

    name: str
    first: date
    last: date

    def days(self) -> list[date]:
        """Every day of the holiday."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class Arrangement:
    """A year's 放假调休安排: holidays (date ranges) and make-up working days.

    It is the whole year's arrangement: a weekday not in a holiday is a working day, a
    weekend day not listed as a make-up day is a day off.
    """

    year: int
    holidays: tuple[Holiday, ...]
    workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        problems = arrangement_problems(self.year, self.holidays, self.workdays)
        if problems:
            raise ValueError("；".join(problems))


def arrangement_problems(year: int, holidays: Iterable[Holiday],
                         workdays: Iterable[date]) -> list[str]:
    """Say in Chinese what is wrong with a year's arrangement (empty: nothing)."""
    problems: list[str] = []
    holidays, workdays = list(holidays), list(workdays)
    earliest, latest = date(year - 1, 12, 1), date(year + 1, 1, 31)
    if not holidays:
        problems.append(f"{year}年的安排至少要有一个假日")
    seen: dict[date, str] = {}
    for h in holidays:
        if not h.name.strip():
            problems.append(f"{h.first.isoformat()} 开始的假日缺少名称")
        if h.last < h.first:
            problems.append(f"{h.name}的结束日 {h.last.isoformat()} 早于开始日 {h.first.isoformat()}")
            continue
        if h.first < earliest or h.last > latest:
            problems.append(f"{h.name}（{h.first.isoformat()} 至 {h.last.isoformat()}）不在{year}年")
            continue
        if (h.last - h.first).days >= _LONGEST_HOLIDAY_DAYS:
            problems.append(f"{h.name}长达 {(h.last - h.first).days + 1} 天，请检查日期")
            continue
        for d in h.days():
            if d in seen:
                problems.append(f"{d.isoformat()} 同时属于{seen[d]}和{h.name}")
            seen.setdefault(d, h.name)
    if len(set(workdays)) != len(workdays):
        problems.append("同一个调休上班日填了两次")
    for d in sorted(set(workdays)):
        if not earliest <= d <= latest:
            problems.append(f"调休上班日 {d.isoformat()} 不在{year}年")
        elif d.weekday() < 5:
            problems.append(f"调休上班日 {d.isoformat()} 是周{WEEKDAY_NAMES[d.weekday()]}，本来就上班")
        elif d in seen:
            problems.append(f"{d.isoformat()} 既在{seen[d]}假期内又是调休上班日")
    return problems


class DayJudgement(NamedTuple):
    """Whether a day is a working day, why (its source), and the holiday's name if any."""

    day: date
    workday: bool
    source: Source
    name: str = ""

    @property
    def unusual(self) -> bool:
        """A weekday off or a weekend day at work."""
        return self.workday != (self.day.weekday() < 5)


def package_knows(year: int) -> bool:
    """Tell whether chinesecalendar has the State Council's arrangement for a year."""
    try:
        chinese_calendar.is_workday(date(year, 12, 31))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class WorkCalendar:
    """The working-day calendar: office arrangements over the extra lists over the package."""

    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    arrangements: tuple[Arrangement, ...] = ()
    _office: dict[date, tuple[bool, str]] = field(init=False, repr=False, compare=False,
                                                 hash=False, default_factory=dict)
    _office_years: frozenset[int] = field(init=False, repr=False, compare=False,
                                          hash=False, default=frozenset())

    def __post_init__(self) -> None:
        years = [a.year for a in self.arrangements]
        if len(set(years)) != len(years):
            raise ValueError("同一年只能有一份放假调休安排")
        office = {}
        for a in self.arrangements:
            office.update({d: (True, "调休上班") for d in a.workdays})
            office.update({d: (False, h.name) for h in a.holidays for d in h.days()})
        object.__setattr__(self, "_office", office)
        object.__setattr__(self, "_office_years", frozenset(years))

    def judge(self, d: date) -> DayJudgement:
        """Judge one day and say by which source."""
        if d in self._office:
            workday, name = self._office[d]
            return DayJudgement(d, workday, Source.OFFICE, name)
        if d.year in self._office_years:
            return DayJudgement(d, d.weekday() < 5, Source.OFFICE)
        if d in self.extra_holidays:
            return DayJudgement(d, False, Source.CONFIG)
        if d in self.extra_workdays:
            return DayJudgement(d, True, Source.CONFIG)
        try:
            on_duty, name = chinese_calendar.get_holiday_detail(d)
        except NotImplementedError:
            return DayJudgement(d, d.weekday() < 5, Source.WEEKDAYS)
        workday = not on_duty
        named = _PACKAGE_NAMES.get(name, name or "") if workday == (d.weekday() >= 5) else ""
        if workday and named:
            named = f"{named}调休上班"
        return DayJudgement(d, workday, Source.PACKAGE, named)

    def is_workday(self, d: date) -> bool:
        """Tell whether a day is a working day."""
        return self.judge(d).workday

    def office_knows(self, year: int) -> bool:
        """Tell whether the office entered the year's arrangement."""
        return year in self._office_years

    def knows(self, year: int) -> bool:
        """Tell whether the year's arrangement is known (entered by the office or in the package)."""
        return self.office_knows(year) or package_knows(year)

    def unusual_days(self, year: int) -> list[DayJudgement]:
        """The year's weekdays off and weekend days at work, each with its source."""
        first = date(year, 1, 1)
        days = (first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days))
        return [j for j in map(self.judge, days) if j.unusual]

    def overridden(self, year: int) -> list[date]:
        """Days of the config's extra lists in a year the office's arrangement decides."""
        listed = self.extra_holidays | self.extra_workdays
        return sorted(d for d in listed
                      if d.year in self._office_years or d in self._office)

    def weekdays_only(self, days: Iterable[date]) -> list[date]:
        """Of these days, those judged by Monday to Friday only (nothing knows their year)."""
        return [d for d in days if self.judge(d).source is Source.WEEKDAYS]


def missing_arrangements(today: date, calendar: WorkCalendar) -> list[int]:
    """The years whose arrangement is wanted by `today` and still unknown.

    The current year always; from 1 November on, the next year as well (the State
    Council publishes it in the autumn).
    """
    wanted = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_WANTED_FROM:
        wanted.append(today.year + 1)
    return [year for year in wanted if not calendar.knows(year)]
