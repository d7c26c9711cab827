"""Check the machine-readable input and turn it into typed facts, or refuse it."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from scoring.calendar import MonthStatus
from scoring.params import RubricParams
from scoring.periods import Month, Quarter

FLAGS = ("annual_plan", "annual_summary", "materials_uploaded", "team_flag",
         "uniforms_sufficient", "uniforms_worn", "brand_plan", "brand_promoted")
COUNTS = ("staff_on_post", "registered_volunteers", "trainings", "service_items", "services")
QUARTER_KEYS = frozenset(("quarter", "category", *FLAGS, *COUNTS, "volunteer_hours",
                          "awareness_rate", "media", "months", "satisfaction"))
YEAR_KEYS = frozenset(("year", "quarters", "bonus", "deductions", "provisional"))
BONUS_KINDS = ("host_event", "research_visit", "endorsement")


class InputError(ValueError):
    """Input the rubric cannot score; the message names the field, e.g. media[1].level."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class MediaStory:
    """One media report of a story at one level."""

    story: str
    level: str


@dataclass(frozen=True)
class QuarterFacts:
    """What the office knows of a unit's quarter; None means not entered yet."""

    quarter: Quarter
    category: str
    flags: Mapping[str, bool | None]
    counts: Mapping[str, int | None]
    volunteer_hours: Decimal | None
    awareness_rate: Decimal | None
    media: tuple[MediaStory, ...] | None
    months: Mapping[Month, MonthStatus] | None
    satisfaction: str | None


@dataclass(frozen=True)
class BonusEntry:
    """One bonus occurrence: a kind and, where the kind has levels, a level."""

    kind: str
    level: str | None


@dataclass(frozen=True)
class Deduction:
    """One discretionary deduction by the office."""

    points: Decimal
    reason: str


@dataclass(frozen=True)
class YearFacts:
    """A unit's year: quarter totals, bonus and deductions."""

    year: int
    quarters: Mapping[Quarter, Decimal]
    bonus: tuple[BonusEntry, ...]
    deductions: tuple[Deduction, ...]
    provisional: bool | None


def parse_quarter_input(data: Any, params: RubricParams) -> QuarterFacts:
    """Check a quarter's input against RUBRIC.md's contract and return its facts."""
    data = _object(data, "输入")
    _known_keys(data, QUARTER_KEYS, "")
    if "quarter" not in data:
        raise InputError("quarter", "缺少季度，例如 \"2026Q1\"")
    quarter = _period(Quarter, data["quarter"], "quarter")
    category = data.get("category", "key")
    if not isinstance(category, str) or category not in params.categories:
        raise InputError("category", f"未知的考核对象类别 {category!r}，应为 "
                         + "、".join(params.categories))
    return QuarterFacts(
        quarter=quarter, category=category,
        flags={name: _flag(data.get(name), name) for name in FLAGS},
        counts={name: _count(data.get(name), name) for name in COUNTS},
        volunteer_hours=_amount(data.get("volunteer_hours"), "volunteer_hours"),
        awareness_rate=_rate(data.get("awareness_rate"), "awareness_rate"),
        media=_media(data.get("media"), params),
        months=_months(data.get("months"), quarter),
        satisfaction=_choice(data.get("satisfaction"), "satisfaction",
                             tuple(params.satisfaction_points)),
    )


def parse_year_input(data: Any, params: RubricParams) -> YearFacts:
    """Check a year's input against RUBRIC.md's contract and return its facts."""
    data = _object(data, "输入")
    _known_keys(data, YEAR_KEYS, "")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise InputError("year", f"应为年份整数，例如 2026，而不是 {year!r}")
    provisional = data.get("provisional")
    if provisional is not None and not isinstance(provisional, bool):
        raise InputError("provisional", f"应为 true 或 false，而不是 {provisional!r}")
    return YearFacts(year=year, quarters=_quarter_totals(data.get("quarters"), year),
                     bonus=_bonus(data.get("bonus"), params),
                     deductions=_deductions(data.get("deductions")),
                     provisional=provisional)


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(path, f"应为 JSON 对象，而不是 {type(value).__name__}")
    return value


def _known_keys(data: Mapping[str, Any], allowed: frozenset[str], prefix: str) -> None:
    for key in data:
        if key not in allowed:
            raise InputError(f"{prefix}{key}", "未知的字段")


def _period(kind: type, value: Any, path: str) -> Any:
    if isinstance(value, kind):
        return value
    try:
        return kind.parse(value)
    except ValueError as error:
        raise InputError(path, str(error)) from None


def _flag(value: Any, path: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise InputError(path, f"应为 true 或 false，而不是 {value!r}")
    return value


def _count(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(path, f"应为非负整数，而不是 {value!r}")
    return value


def _decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise InputError(path, f"应为数值，而不是 {value!r}")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise InputError(path, f"应为数值，而不是 {value!r}") from None
    if not number.is_finite():
        raise InputError(path, f"应为有限的数值，而不是 {value!r}")
    return number


def _amount(value: Any, path: str) -> Decimal | None:
    if value is None:
        return None
    number = _decimal(value, path)
    if number < 0:
        raise InputError(path, f"不能为负数：{value!r}")
    return number


def _rate(value: Any, path: str) -> Decimal | None:
    number = _amount(value, path)
    if number is not None and number > 100:
        raise InputError(path, f"百分率应在0到100之间：{value!r}")
    return number


def _choice(value: Any, path: str, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise InputError(path, f"未知的取值 {value!r}，应为 " + "、".join(allowed))
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(path, f"应为数组，而不是 {type(value).__name__}")
    return value


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(path, f"应为非空文字，而不是 {value!r}")
    return value.strip()


def _media(value: Any, params: RubricParams) -> tuple[MediaStory, ...] | None:
    if value is None:
        return None
    stories = []
    for n, entry in enumerate(_list(value, "media")):
        path = f"media[{n}]"
        entry = _object(entry, path)
        _known_keys(entry, frozenset(("story", "level")), f"{path}.")
        level = _choice(entry.get("level"), f"{path}.level", tuple(params.media_points))
        if level is None:
            raise InputError(f"{path}.level", "缺少级别")
        stories.append(MediaStory(_text(entry.get("story"), f"{path}.story"), level))
    return tuple(stories)


def _months(value: Any, quarter: Quarter) -> dict[Month, MonthStatus] | None:
    if value is None:
        return None
    statuses: dict[Month, MonthStatus] = {}
    for key, status in _object(value, "months").items():
        path = f"months.{key}"
        month = _period(Month, key, path)
        if month not in quarter.months():
            raise InputError(path, f"{month.label}不属于{quarter.label}")
        if month in statuses:
            raise InputError(path, f"{month.label}重复出现")
        allowed = tuple(s.value for s in MonthStatus)
        statuses[month] = MonthStatus(_choice(status, path, allowed) or _missing(path))
    return statuses


def _missing(path: str) -> str:
    raise InputError(path, "缺少取值")


def _quarter_totals(value: Any, year: int) -> dict[Quarter, Decimal]:
    totals: dict[Quarter, Decimal] = {}
    for key, total in _object(value if value is not None else {}, "quarters").items():
        path = f"quarters.{key}"
        quarter = _period(Quarter, key, path)
        if quarter.year != year:
            raise InputError(path, f"{quarter.label}不属于{year}年")
        if quarter in totals:
            raise InputError(path, f"{quarter.label}重复出现")
        amount = _amount(total, path)
        totals[quarter] = amount if amount is not None else _missing(path)
    return totals


def _bonus(value: Any, params: RubricParams) -> tuple[BonusEntry, ...]:
    levels = {"host_event": (), "research_visit": tuple(params.research_visit_bonus),
              "endorsement": tuple(params.endorsement_bonus)}
    entries = []
    for n, entry in enumerate(_list(value if value is not None else [], "bonus")):
        path = f"bonus[{n}]"
        entry = _object(entry, path)
        _known_keys(entry, frozenset(("kind", "level", "note")), f"{path}.")
        kind = _choice(entry.get("kind"), f"{path}.kind", BONUS_KINDS) or _missing(
            f"{path}.kind")
        level = entry.get("level")
        if levels[kind]:
            level = _choice(level, f"{path}.level", levels[kind]) or _missing(f"{path}.level")
        elif level is not None:
            raise InputError(f"{path}.level", f"{kind} 不分级别")
        if "note" in entry and not isinstance(entry["note"], str):
            raise InputError(f"{path}.note", "应为文字")
        entries.append(BonusEntry(kind, level))
    return tuple(entries)


def _deductions(value: Any) -> tuple[Deduction, ...]:
    entries = []
    for n, entry in enumerate(_list(value if value is not None else [], "deductions")):
        path = f"deductions[{n}]"
        entry = _object(entry, path)
        _known_keys(entry, frozenset(("points", "reason")), f"{path}.")
        if entry.get("points") is None:
            raise InputError(f"{path}.points", "缺少扣分分值")
        points = _decimal(entry["points"], f"{path}.points")
        if points <= 0:
            raise InputError(f"{path}.points", f"扣分分值应大于0：{entry['points']!r}")
        entries.append(Deduction(points, _text(entry.get("reason"), f"{path}.reason")))
    return tuple(entries)
