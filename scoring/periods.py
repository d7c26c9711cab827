"""Calendar months and quarters, the periods the rubric is judged by."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Protocol

_MONTH_FORMS = (
    re.compile(r"([0-9]{4})-([0-9]{1,2})"),
    re.compile(r"([0-9]{4})年([0-9]{1,2})月"),
    re.compile(r"([0-9]{4})([0-9]{2})"),
)
_QUARTER_FORMS = (
    re.compile(r"([0-9]{4})[Qq]([0-9])"),
    re.compile(r"([0-9]{4})年第([0-9一二三四])季度"),
)
_CHINESE_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4}


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"年份应在1到9999之间：{self.year}")
        if not 1 <= self.month <= 12:
            raise ValueError(f"月份应在1到12之间：{self.month}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Read a month written as 2026-03, 2026-3, 2026年3月 or 202603."""
        if isinstance(text, str):
            for form in _MONTH_FORMS:
                found = form.fullmatch(text.strip())
                if found:
                    return cls._checked(int(found[1]), int(found[2]), text)
        raise ValueError(f"无法识别的月份：{text!r}，应写作 2026-03 或 2026年3月")

    @classmethod
    def _checked(cls, year: int, month: int, text: str) -> Month:
        if not 1 <= month <= 12:
            raise ValueError(f"月份应在1到12之间：{text!r}")
        if year < 1:
            raise ValueError(f"无法识别的年份：{text!r}")
        return cls(year, month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """Name the month in Chinese, e.g. 2026年3月."""
        return f"{self.year}年{self.month}月"

    def next(self) -> Month:
        """Return the month after this one."""
        if self.month == 12:
            return Month(self.year + 1, 1)
        return Month(self.year, self.month + 1)

    def prev(self) -> Month:
        """Return the month before this one."""
        if self.month == 1:
            return Month(self.year - 1, 12)
        return Month(self.year, self.month - 1)

    def back(self, months: int) -> Month:
        """Return the month `months` before this one (补交's window reaches back so far)."""
        index = self.year * 12 + self.month - 1 - months
        return Month(index // 12, index % 12 + 1)

    @property
    def quarter(self) -> Quarter:
        """Return the quarter this month belongs to."""
        return Quarter(self.year, (self.month - 1) // 3 + 1)

    def first_day(self) -> date:
        """Return the first day of the month."""
        return date(self.year, self.month, 1)

    def days(self) -> int:
        """Return the number of days in the month."""
        if self.month == 12:
            return 31
        return (date(self.year, self.month + 1, 1) - self.first_day()).days


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: Q1 = Jan–Mar … Q4 = Oct–Dec."""

    year: int
    q: int

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"年份应在1到9999之间：{self.year}")
        if not 1 <= self.q <= 4:
            raise ValueError(f"季度应在1到4之间：{self.q}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read a quarter written as 2026Q1 (or 2026q1, 2026年第一季度)."""
        if isinstance(text, str):
            for form in _QUARTER_FORMS:
                found = form.fullmatch(text.strip())
                if found:
                    q = _CHINESE_NUMERALS.get(found[2]) or int(found[2])
                    if not 1 <= q <= 4 or int(found[1]) < 1:
                        raise ValueError(f"季度应在1到4之间：{text!r}")
                    return cls(int(found[1]), q)
        raise ValueError(f"无法识别的季度：{text!r}，应写作 2026Q1")

    def __str__(self) -> str:
        return f"{self.year:04d}Q{self.q}"

    @property
    def label(self) -> str:
        """Name the quarter in Chinese, e.g. 2026年第一季度."""
        return f"{self.year}年第{'一二三四'[self.q - 1]}季度"

    def months(self) -> tuple[Month, Month, Month]:
        """Return the three months of the quarter, in order."""
        first = 3 * (self.q - 1) + 1
        return (Month(self.year, first), Month(self.year, first + 1),
                Month(self.year, first + 2))

    def next(self) -> Quarter:
        """Return the quarter after this one."""
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def prev(self) -> Quarter:
        """Return the quarter before this one."""
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)


class EveryMonths(Protocol):
    """What a category's periods depend on (scoring.DeadlineRules has it)."""

    def every_for(self, category: str) -> int: ...


# A category may report once every few months: one summary for a period, due in its last
# month.
def is_due(month: Month, category: str, rules: EveryMonths) -> bool:
    """Whether the category's summary falls due in this month: every month, or each
    period's last month (every 2: February, April, …)."""
    return month.month % rules.every_for(category) == 0


def filing_month(month: Month, category: str, rules: EveryMonths) -> Month:
    """The month whose summary materials sent in `month` belong to: the month itself, or
    the last month of its period (every 2: January's go to February)."""
    every = rules.every_for(category)
    return Month(month.year, -(-month.month // every) * every)


def period_label(month: Month, category: str, rules: EveryMonths) -> str:
    """A due month as the category's period reads: 2027年2月, or 2027年1—2月."""
    every = rules.every_for(category)
    if every == 1:
        return month.label
    return f"{month.year}年{month.month - every + 1}—{month.month}月"
