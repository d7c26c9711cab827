"""A rubric file as typed frozen objects: the scheme, its groups (考核内容) and items, the
facts the rules read, the unit categories, the submissions the bot collects, the year,
rounding and ranking. docs/rubric-file.md describes each key."""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Annotated, Any, Literal, Mapping

from pydantic import AfterValidator, Field

from scoring.periods import Month, Quarter
from scoring.rules.base import ItemContext
from scoring.rules.kinds import AnyRule
from scoring.schema.base import Count, Model, Name, Points, QuarterField, Seq, Text, Words
from scoring.schema.facts import Fact

_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN,
          "up": ROUND_UP}


def _frozen(value: dict) -> Mapping:
    return MappingProxyType(value)


@lru_cache(maxsize=1024)
def _due(quarter: Quarter, every: int) -> tuple[Month, ...]:
    return tuple(m for m in quarter.months() if m.month % every == 0)


def _empty() -> Mapping:
    return MappingProxyType({})


Every = Annotated[int, Field(ge=1, le=12)]


class Scheme(Model):
    name: Text
    document: Words = ""
    version: Text
    effective_from: QuarterField
    maxima_add_up: bool = False


class Rounding(Model):
    places: int = Field(2, ge=0, le=6)
    mode: Literal["half_up", "half_even", "down", "up"] = "half_up"

    def round(self, value: Decimal) -> Decimal:
        """Round a score as the file says."""
        return value.quantize(Decimal(1).scaleb(-self.places), rounding=_MODES[self.mode])


class Ranking(Model):
    quarter: Literal["percent", "total"] = "percent"
    year: Literal["total"] = "total"


class Group(Model):
    id: Text
    title: Text
    standard: Points


class Item(Model):
    id: Text
    title: Text
    group: Text
    max: Points
    rule: AnyRule


class Category(Model):
    title: Text
    short: Words = ""
    items: Seq[Text] = Field(min_length=1)


class Submission(Model):
    title: Text
    every: Every | Annotated[dict[Name, Every], AfterValidator(_frozen)] = 1
    due_day: int = Field(ge=1, le=31)
    inclusive: bool = False
    holiday_shift: bool = False
    min_chars: Count = 0
    min_photos: Count = 0
    miss_cost: Points

    def every_for(self, category: str) -> int:
        """How many months one submission covers for a category."""
        return self.every if isinstance(self.every, int) else self.every.get(category, 1)

    def due_months(self, quarter: Quarter, category: str) -> tuple[Month, ...]:
        """The quarter's months whose submission is due: every month, or each period's
        last month (every 2: February, April, …)."""
        return _due(quarter, self.every_for(category))


class BonusKind(Model):
    label: Text
    points: Points | Annotated[dict[Name, Points], Field(min_length=1),
                               AfterValidator(_frozen)]

    def levels(self) -> tuple[str, ...]:
        """The levels this kind is entered with (none: a fixed number of points)."""
        return () if isinstance(self.points, Decimal) else tuple(self.points)


class Year(Model):
    combine: Literal["mean", "sum"] = "mean"
    levels: Annotated[dict[Name, Text], AfterValidator(_frozen)] = Field(default_factory=_empty)
    bonus: Annotated[dict[Name, BonusKind], AfterValidator(_frozen)] = Field(default_factory=_empty)
    deductions: Annotated[dict[Name, Text], AfterValidator(_frozen)] = Field(default_factory=_empty)


class Previous(Model):
    renamed: Annotated[dict[Name, Name], AfterValidator(_frozen)] = Field(default_factory=_empty)
    dropped: Seq[Name] = ()


class Rubric(Model):
    """One version of a rubric, read from its file."""

    format: Literal[1]
    scheme: Scheme
    rounding: Rounding = Field(default_factory=Rounding)
    ranking: Ranking = Field(default_factory=Ranking)
    groups: Seq[Group] = Field(min_length=1)
    items: Seq[Item] = Field(min_length=1)
    facts: Annotated[dict[Name, Fact], AfterValidator(_frozen)]
    categories: Annotated[dict[Name, Category], Field(min_length=1), AfterValidator(_frozen)]
    submissions: Annotated[dict[Name, Submission], AfterValidator(_frozen)] = \
        Field(default_factory=_empty)
    year: Year = Field(default_factory=Year)
    previous: Previous = Field(default_factory=Previous)
    overrides: Annotated[dict[Name, Seq[str | int]], AfterValidator(_frozen)] = \
        Field(default_factory=_empty)
    source: str = Field("", exclude=True)   # the file it was read from (set by the loader)

    @property
    def version(self) -> str:
        """The version's name, as every score it gives says."""
        return self.scheme.version

    @property
    def label(self) -> str:
        """The scheme and version as a table's heading names them."""
        return f"{self.scheme.name}（{self.scheme.version}）"

    @cached_property
    def item(self) -> Mapping[str, Item]:
        """Each item by id, in rubric order."""
        return MappingProxyType({i.id: i for i in self.items})

    @cached_property
    def group(self) -> Mapping[str, Group]:
        """Each group by id, in rubric order."""
        return MappingProxyType({g.id: g for g in self.groups})

    def applicable(self, category: str) -> tuple[str, ...]:
        """The ids of the items that apply to a category, in rubric order."""
        chosen = set(self.categories[category].items)
        return tuple(i.id for i in self.items if i.id in chosen)

    def item_max(self, item_id: str) -> Decimal:
        """An item's maximum (an uncapped item: its standard, which scores may exceed)."""
        return self.item[item_id].max

    def item_title(self, item_id: str) -> str:
        """An item's Chinese title."""
        return self.item[item_id].title

    def standard(self, category: str) -> Decimal:
        """A category's standard: the sum of its items' maxima."""
        return sum((self.item[i].max for i in self.applicable(category)), Decimal(0))

    def round(self, value: Decimal) -> Decimal:
        """Round a score as the file says."""
        return self.rounding.round(value)

    def items_reading(self, fact: str) -> tuple[str, ...]:
        """The ids of the items whose rules read a fact."""
        return tuple(i.id for i in self.items if fact in i.rule.reads())

    @cached_property
    def input_keys(self) -> frozenset[str]:
        """The keys a quarter's input may have: quarter, category and the facts."""
        return frozenset(("quarter", "category", *self.facts))

    @cached_property
    def scoring(self) -> Mapping[str, tuple[tuple[str, str, Decimal, Any, ItemContext], ...]]:
        """Per category, each applicable item as (id, title, rounded maximum, its rule's
        score function, what the rule knows of the item), built once."""
        quantum = Decimal(1).scaleb(-self.rounding.places)
        mode = _MODES[self.rounding.mode]
        entries = {i.id: (i.id, i.title, self.round(i.max), i.rule.score,
                          ItemContext(i.max, i.title, self.facts, self.submissions, quantum,
                                      mode)) for i in self.items}
        return MappingProxyType({c: tuple(entries[i] for i in self.applicable(c))
                                 for c in self.categories})

    @cached_property
    def standards(self) -> Mapping[str, Decimal]:
        """Each category's standard (built once)."""
        return MappingProxyType({c: self.standard(c) for c in self.categories})
