"""Check the machine-readable input against a rubric's facts and turn it into typed facts,
or refuse it naming the field."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from scoring import inputs
from scoring.inputs import InputError
from scoring.periods import Quarter
from scoring.schema.facts import Story as MediaStory
from scoring.schema.rubric import Rubric
from scoring.versions import default_rubrics

YEAR_KEYS = frozenset(("year", "quarters", "bonus", "deductions", "provisional"))


@dataclass(frozen=True, slots=True)
class QuarterFacts:
    """What is known of a unit's quarter: each fact's typed value, None when not entered."""

    quarter: Quarter
    category: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class BonusEntry:
    """One bonus occurrence: a kind and, where the kind has levels, a level."""

    kind: str
    level: str | None


@dataclass(frozen=True, slots=True)
class Deduction:
    """One discretionary deduction by the office."""

    points: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class YearFacts:
    """A unit's year: quarter totals, bonus and deductions."""

    year: int
    quarters: Mapping[Quarter, Decimal]
    bonus: tuple[BonusEntry, ...]
    deductions: tuple[Deduction, ...]
    provisional: bool | None


def input_quarter(data: Any) -> Quarter:
    """The quarter a quarter's input is of (which decides the rubric version)."""
    data = inputs.an_object(data, "输入")
    if "quarter" not in data:
        raise InputError("quarter", "缺少季度，例如 \"2026Q1\"")
    return inputs.period(Quarter, data["quarter"], "quarter")


def parse_quarter_input(data: Any, rubric: Rubric) -> QuarterFacts:
    """Check a quarter's input against the rubric's facts and return them typed."""
    quarter = input_quarter(data)
    inputs.known_keys(data, rubric.input_keys)
    category = data.get("category", next(iter(rubric.categories)))
    if not isinstance(category, str) or category not in rubric.categories:
        raise InputError("category", f"未知的考核对象类别 {category!r}，应为 "
                         + "、".join(rubric.categories))
    get = data.get
    return QuarterFacts(quarter, category, {
        name: fact.read(get(name), name, quarter, category, rubric)
        for name, fact in rubric.facts.items()})


def year_of(data: Any) -> int:
    """The year a year's input is of (which decides the rubric version)."""
    data = inputs.an_object(data, "输入")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise InputError("year", f"应为年份整数，例如 2026，而不是 {year!r}")
    return year


def parse_year_input(data: Any, rubric: Rubric) -> YearFacts:
    """Check a year's input against the contract and the rubric's bonus kinds."""
    data = inputs.an_object(data, "输入")
    inputs.known_keys(data, YEAR_KEYS)
    year = year_of(data)
    provisional = data.get("provisional")
    if provisional is not None and not isinstance(provisional, bool):
        raise InputError("provisional", f"应为 true 或 false，而不是 {provisional!r}")
    return YearFacts(year=year, quarters=_quarter_totals(data.get("quarters"), year),
                     bonus=_bonus(data.get("bonus"), rubric),
                     deductions=_deductions(data.get("deductions")),
                     provisional=provisional)


def _quarter_totals(value: Any, year: int) -> dict[Quarter, Decimal]:
    totals: dict[Quarter, Decimal] = {}
    for key, total in inputs.an_object(value if value is not None else {}, "quarters").items():
        path = f"quarters.{key}"
        quarter = inputs.period(Quarter, key, path)
        if quarter.year != year:
            raise InputError(path, f"{quarter.label}不属于{year}年")
        if quarter in totals:
            raise InputError(path, f"{quarter.label}重复出现")
        amount = inputs.amount(total, path)
        totals[quarter] = amount if amount is not None else inputs.missing(path)
    return totals


def _bonus(value: Any, rubric: Rubric) -> tuple[BonusEntry, ...]:
    kinds = rubric.year.bonus
    entries = []
    for n, entry in enumerate(inputs.a_list(value if value is not None else [], "bonus")):
        path = f"bonus[{n}]"
        entry = inputs.an_object(entry, path)
        inputs.known_keys(entry, ("kind", "level", "note"), f"{path}.")
        kind = inputs.choice(entry.get("kind"), f"{path}.kind", tuple(kinds)) or \
            inputs.missing(f"{path}.kind")
        level, levels = entry.get("level"), kinds[kind].levels()
        if levels:
            level = inputs.choice(level, f"{path}.level", levels) or \
                inputs.missing(f"{path}.level")
        elif level is not None:
            raise InputError(f"{path}.level", f"{kind} 不分级别")
        if "note" in entry and not isinstance(entry["note"], str):
            raise InputError(f"{path}.note", "应为文字")
        entries.append(BonusEntry(kind, level))
    return tuple(entries)


def _deductions(value: Any) -> tuple[Deduction, ...]:
    entries = []
    for n, entry in enumerate(inputs.a_list(value if value is not None else [],
                                            "deductions")):
        path = f"deductions[{n}]"
        entry = inputs.an_object(entry, path)
        inputs.known_keys(entry, ("points", "reason"), f"{path}.")
        if entry.get("points") is None:
            raise InputError(f"{path}.points", "缺少扣分分值")
        points = inputs.decimal(entry["points"], f"{path}.points")
        if points <= 0:
            raise InputError(f"{path}.points", f"扣分分值应大于0：{entry['points']!r}")
        entries.append(Deduction(points, inputs.text(entry.get("reason"), f"{path}.reason")))
    return tuple(entries)


def __getattr__(name: str) -> Any:
    """The default rubric's fact names by type, and its bonus kinds, for readers that
    store them in columns (until they read the rubric's facts themselves)."""
    rubric = default_rubrics().latest
    if name == "FLAGS":
        return tuple(n for n, f in rubric.facts.items() if f.type == "yes_no")
    if name == "COUNTS":
        return tuple(n for n, f in rubric.facts.items() if f.type == "count")
    if name == "BONUS_KINDS":
        return tuple(rubric.year.bonus)
    raise AttributeError(name)


__all__ = ["BonusEntry", "Deduction", "InputError", "MediaStory", "QuarterFacts",
           "YearFacts", "parse_quarter_input", "parse_year_input"]
