"""The rubric's numbers as data, with RUBRIC.md's defaults, overridable from config."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator, Mapping

from scoring.words import ITEM_TITLES

D = Decimal

ITEM_IDS: tuple[str, ...] = tuple(ITEM_TITLES)

# Which field of RubricParams is each item's maximum (item 5: its standard).
_ITEM_MAX_FIELD = {
    "1.1": "annual_plan_points", "1.2": "annual_summary_points",
    "1.3": "materials_points", "2.1": "team_flag_points",
    "2.2": "uniforms_sufficient_points", "2.3": "uniforms_worn_points",
    "2.4": "registration_max", "2.5": "training_points", "3.1": "services_max",
    "3.2": "participation_max", "3.3": "awareness_max", "4.1": "brand_plan_points",
    "4.2": "brand_promoted_points", "5": "media_standard", "6.1": "month_max",
    "6.2": "satisfaction_max",
}


class FrozenMap(Mapping):
    """A read-only, hashable mapping for the parameters' tables."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def _table(**values: str) -> Any:
    return field(default_factory=lambda: FrozenMap({k: D(v) for k, v in values.items()}))


_ALL = ITEM_IDS
_DEPARTMENT = ("2.4", "3.1", "3.2", "5", "6.1", "6.2")
_STATIONED = ("2.4", "3.1", "3.2", "3.3", "5", "6.1", "6.2")


@dataclass(frozen=True)
class RubricParams:
    """Every number of the rubric; the defaults are RUBRIC.md's."""

    # 1.1–1.3, 2.1–2.3, 4.1–4.2: points when the fact holds
    annual_plan_points: Decimal = D("1.5")
    annual_summary_points: Decimal = D("1.5")
    materials_points: Decimal = D("2")
    team_flag_points: Decimal = D("2")
    uniforms_sufficient_points: Decimal = D("2")
    uniforms_worn_points: Decimal = D("2")
    brand_plan_points: Decimal = D("4")
    brand_promoted_points: Decimal = D("6")
    # 2.4 registration rate: full marks from the threshold, cost per point below
    registration_max: Decimal = D("5")
    registration_threshold: Decimal = D("80")
    registration_cost: Decimal = D("0.5")
    # 2.5 training: full marks from this many trainings in the quarter
    training_points: Decimal = D("4")
    training_min: int = 1
    # 3.1 services: few order-service items (<= boundary) require fewer services
    services_max: Decimal = D("30")
    service_items_boundary: int = 3
    services_required_few: int = 6
    services_required_many: int = 10
    services_cost: Decimal = D("5")
    # 3.2 participation: volunteer hours per registered volunteer
    participation_max: Decimal = D("10")
    participation_hours: Decimal = D("5")
    participation_cost: Decimal = D("2")
    # 3.3 awareness by phone survey
    awareness_max: Decimal = D("10")
    awareness_threshold: Decimal = D("80")
    awareness_cost: Decimal = D("1")
    # 5 media: points per story at its highest level, uncapped above the standard
    media_standard: Decimal = D("10")
    media_points: Mapping[str, Decimal] = _table(county="1", city="2", province="3",
                                                 national="5")
    # 6.1 monthly summaries
    month_max: Decimal = D("5")
    month_miss_cost: Decimal = D("0.5")
    # 6.2 satisfaction rating
    satisfaction_max: Decimal = D("5")
    satisfaction_points: Mapping[str, Decimal] = _table(excellent="5", good="4", fair="3")
    # the year's bonus, per occurrence
    host_event_bonus: Decimal = D("0.5")
    research_visit_bonus: Mapping[str, Decimal] = _table(central="2", provincial="1.5",
                                                         municipal="1")
    endorsement_bonus: Mapping[str, Decimal] = _table(county="0.5", municipal="1",
                                                      provincial="1.5", central="2")
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: FrozenMap(
        {"key": _ALL, "department": _DEPARTMENT, "stationed": _STATIONED}))

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _check(f.name, getattr(self, f.name))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> RubricParams:
        """Override the defaults from a config section, nested or with dotted keys.

        Raises ValueError naming the key for an unknown key or a bad value.
        """
        default = cls()
        changes: dict[str, Any] = {}
        for key, value in _flatten(mapping):
            name, _, sub = key.partition(".")
            if name not in _FIELD_NAMES or (sub and name not in _TABLES):
                raise ValueError(f"未知的评分参数：{key}")
            if not sub and name in _TABLES:
                raise ValueError(f"评分参数 {key} 应为表，例如 {key}.<名称> = 值")
            if sub:
                table = dict(changes.get(name, getattr(default, name)))
                if sub not in table:
                    raise ValueError(f"未知的评分参数：{key}")
                table[sub] = _convert(key, value, name)
                changes[name] = FrozenMap(table)
            else:
                changes[name] = _convert(key, value, name)
        return dataclasses.replace(default, **changes)

    def item_max(self, item_id: str) -> Decimal:
        """Return an item's maximum (item 5: its standard, which scores may exceed)."""
        return getattr(self, _ITEM_MAX_FIELD[item_id])

    def applicable(self, category: str) -> tuple[str, ...]:
        """Return the ids of the items that apply to a category, in rubric order."""
        chosen = set(self.categories[category])
        return tuple(i for i in ITEM_IDS if i in chosen)

    def standard(self, category: str) -> Decimal:
        """Return a category's standard: the sum of its items' maxima."""
        return sum((self.item_max(i) for i in self.applicable(category)), D(0))


_FIELD_NAMES = {f.name for f in dataclasses.fields(RubricParams)}
_TABLES = {"media_points", "satisfaction_points", "research_visit_bonus",
           "endorsement_bonus", "categories"}
_INTS = {"training_min", "service_items_boundary", "services_required_few",
         "services_required_many"}


def _flatten(mapping: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for key, value in mapping.items():
        if key in _TABLES and isinstance(value, Mapping):
            for sub, sub_value in value.items():
                yield f"{key}.{sub}", sub_value
        else:
            yield str(key), value


def _convert(key: str, value: Any, name: str) -> Any:
    if name == "categories":
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise ValueError(f"评分参数 {key} 应为评分项编号列表")
        return tuple(str(v) if isinstance(v, int) and not isinstance(v, bool) else v
                     for v in value)
    if name in _INTS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"评分参数 {key} 应为整数：{value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"评分参数 {key} 应为数值：{value!r}")
    try:
        return D(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"评分参数 {key} 应为数值：{value!r}") from None


def _check(name: str, value: Any) -> None:
    if name == "categories":
        for category, items in value.items():
            unknown = [i for i in items if i not in ITEM_TITLES]
            if unknown or not items:
                raise ValueError(f"评分参数 categories.{category} 含未知评分项或为空：{unknown}")
    elif name in _TABLES:
        for sub, number in value.items():
            _check_number(f"{name}.{sub}", number)
    elif name in _INTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"评分参数 {name} 应为非负整数：{value!r}")
    else:
        _check_number(name, value)


def _check_number(name: str, value: Any) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError(f"评分参数 {name} 应为非负数值：{value!r}")


DEFAULT = RubricParams()
