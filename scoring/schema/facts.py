"""The facts a rubric's rules read, each declared once: its type, Chinese label, unit,
bounds, cross-checks and where it comes from; and how its value is read from the input.

A fact's value in a quarter's input is None when it has not been entered (the items that
read it are pending), else: yes_no a bool, count an int, decimal and percentage a
Decimal, grade the grade's key, stories a tuple of Story, points a tuple of Entry,
submissions the statuses of the quarter's due periods (Statuses).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Any, Literal, Mapping, Union

from pydantic import AfterValidator, Field

from scoring import inputs
from scoring.calendar import MonthStatus
from scoring.numbers import fmt
from scoring.periods import Month, Quarter
from scoring.schema.base import Count, Model, Name, Number, Points, Seq, Text, Words

Source = Literal["chat", "office", "import"]
Labels = Annotated[dict[Text, Text], Field(min_length=1), AfterValidator(MappingProxyType)]
_STATUSES = tuple(s.value for s in MonthStatus)
_STATUS = {s.value: s for s in MonthStatus}


@dataclass(frozen=True, slots=True)
class Story:
    """One report of a story at one level."""

    story: str
    level: str


@dataclass(frozen=True, slots=True)
class Entry:
    """Discretionary points the office entered, with its reason."""

    points: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class Statuses:
    """A submission's statuses in a quarter (by due month), and the months that were due."""

    months: Mapping[Month, MonthStatus]
    due: tuple[Month, ...]


class Check(Model):
    """A cross-check the office confirms: the value should not exceed another fact's."""

    at_most: Name
    message: Text


class FactBase(Model):
    label: Text
    unit: Words = ""
    pending: Text | None = None
    sources: Seq[Source] = ("office", "import")

    def pending_text(self) -> str:
        """What an item says while this fact has not been entered."""
        return self.pending or f"尚未录入{self.label}"


class YesNoFact(FactBase):
    type: Literal["yes_no"]

    def pending_text(self) -> str:
        return self.pending or f"尚未录入“{self.label}”情况"

    def read(self, value: Any, path: str, quarter: Quarter, category: str, rubric: Any) -> Any:
        return inputs.flag(value, path)


class _Bounded(FactBase):
    checks: Seq[Check] = ()

    def _bounded(self, number: Any, value: Any, path: str) -> Any:
        low, high = self.min, self.max
        if number is not None and (number < low or (high is not None and number > high)):
            if high is None:
                raise inputs.InputError(path, f"应不小于{fmt(low)}：{value!r}")
            raise inputs.InputError(path, f"应在{fmt(low)}到{fmt(high)}之间：{value!r}")
        return number


class CountFact(_Bounded):
    type: Literal["count"]
    min: Count = 0
    max: Count | None = None

    def read(self, value: Any, path: str, quarter: Quarter, category: str, rubric: Any) -> Any:
        return self._bounded(inputs.count(value, path), value, path)


class DecimalFact(_Bounded):
    type: Literal["decimal"]
    min: Points = Decimal(0)
    max: Number | None = None

    def read(self, value: Any, path: str, quarter: Quarter, category: str, rubric: Any) -> Any:
        return self._bounded(inputs.amount(value, path), value, path)


class PercentageFact(_Bounded):
    type: Literal["percentage"]
    min: Points = Decimal(0)
    max: Number = Decimal(100)

    def read(self, value: Any, path: str, quarter: Quarter, category: str, rubric: Any) -> Any:
        number = inputs.amount(value, path)
        if number is not None and (number < self.min or number > self.max):
            raise inputs.InputError(
                path, f"百分率应在{fmt(self.min)}到{fmt(self.max)}之间：{value!r}")
        return number


class GradeFact(FactBase):
    type: Literal["grade"]
    grades: Labels

    def read(self, value: Any, path: str, quarter: Quarter, category: str, rubric: Any) -> Any:
        return inputs.choice(value, path, tuple(self.grades))


class StoriesFact(FactBase):
    type: Literal["stories"]
    levels: Labels
    absent_is_empty: bool = False

    def read(self, value: Any, path: str, quarter: Quarter, category: str, rubric: Any) -> Any:
        if value is None:
            return () if self.absent_is_empty else None
        stories = []
        levels = tuple(self.levels)
        for n, entry in enumerate(inputs.a_list(value, path)):
            where = f"{path}[{n}]"
            entry = inputs.an_object(entry, where)
            inputs.known_keys(entry, ("story", "level"), f"{where}.")
            level = inputs.choice(entry.get("level"), f"{where}.level", levels)
            if level is None:
                raise inputs.InputError(f"{where}.level", "缺少级别")
            stories.append(Story(inputs.text(entry.get("story"), f"{where}.story"), level))
        return tuple(stories)


class PointsFact(FactBase):
    type: Literal["points"]
    min: Points
    max: Points
    absent_is_empty: bool = False

    def read(self, value: Any, path: str, quarter: Quarter, category: str, rubric: Any) -> Any:
        if value is None:
            return () if self.absent_is_empty else None
        entries = []
        for n, entry in enumerate(inputs.a_list(value, path)):
            where = f"{path}[{n}]"
            entry = inputs.an_object(entry, where)
            inputs.known_keys(entry, ("points", "reason"), f"{where}.")
            if entry.get("points") is None:
                inputs.missing(f"{where}.points")
            points = inputs.decimal(entry["points"], f"{where}.points")
            if not self.min <= points <= self.max:
                raise inputs.InputError(f"{where}.points", f"应在{fmt(self.min)}到"
                                        f"{fmt(self.max)}分之间：{entry['points']!r}")
            entries.append(Entry(points, inputs.text(entry.get("reason"), f"{where}.reason")))
        return tuple(entries)


class SubmissionsFact(FactBase):
    type: Literal["submissions"]
    submission: Name
    sources: Seq[Source] = ("chat",)

    def read(self, value: Any, path: str, quarter: Quarter, category: str, rubric: Any) -> Any:
        if value is None:
            return None
        submission = rubric.submissions[self.submission]
        due = submission.due_months(quarter, category)
        months = quarter.months()
        statuses: dict[Month, MonthStatus] = {}
        for key, status in inputs.an_object(value, path).items():
            where = f"{path}.{key}"
            month = inputs.period(Month, key, where)
            if month not in months:
                raise inputs.InputError(where, f"{month.label}不属于{quarter.label}")
            if month in statuses:
                raise inputs.InputError(where, f"{month.label}重复出现")
            if month not in due:
                raise inputs.InputError(where, f"{rubric.categories[category].title}每"
                                        f"{submission.every_for(category)}个月报送一次，"
                                        f"{month.label}不是报送月份")
            word = _STATUS.get(status) if isinstance(status, str) else None
            statuses[month] = word or MonthStatus(
                inputs.choice(status, where, _STATUSES) or inputs.missing(where))
        return Statuses(statuses, due)


Fact = Annotated[Union[YesNoFact, CountFact, DecimalFact, PercentageFact, GradeFact,
                       StoriesFact, PointsFact, SubmissionsFact], Field(discriminator="type")]

NUMBER_TYPES = frozenset(("count", "decimal", "percentage"))


def fact_warnings(facts: Mapping[str, FactBase], values: Mapping[str, Any]) -> list[str]:
    """The cross-checks that fail for these values: warnings the office confirms."""
    warnings = []
    for name, fact in facts.items():
        for check in getattr(fact, "checks", ()):
            value, other = values.get(name), values.get(check.at_most)
            if value is not None and other is not None and value > other:
                warnings.append(check.message)
    return warnings
