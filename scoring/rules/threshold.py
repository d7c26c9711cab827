"""A value against a threshold: full marks from the threshold, below it a cost per point
(or, with no cost, nothing: a condition such as 志愿者占比 ≥ 70 %).

`rate` is a percentage: a percentage fact (知晓率) or a ratio of two facts × 100
(注册率 = registered / staff on post); `per_capita` is an amount per head (参与率:
volunteer hours / registered volunteers).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterator, Literal, Mapping

from scoring.numbers import fmt, fmt_rate
from scoring.rules.base import ItemContext, ItemScore, Rule
from scoring.schema.base import Name, Points, Text, Words

NUMBERS = frozenset(("count", "decimal", "percentage"))


def threshold_points(value: Decimal, threshold: Decimal, top: Decimal,
                     cost: Decimal | None) -> Decimal:
    """The points before rounding: `top` from the threshold, else `top` less `cost` per
    point below it (0 with no cost), never below 0."""
    if value >= threshold:
        return top
    if cost is None:
        return Decimal(0)
    return max(Decimal(0), top - cost * (threshold - value))


def against_threshold(item: ItemContext, label: str, value: Decimal, unit: str,
                      threshold: Decimal, cost: Decimal | None) -> ItemScore:
    """Score a value against a threshold and say so: 注册率78.0%，低于80%，扣1分."""
    shown = f"{label}{fmt_rate(value)}{unit}"
    if value >= threshold:
        return item.full(item.top, f"{shown}，达到{fmt(threshold)}{unit}")
    below = f"{shown}，低于{fmt(threshold)}{unit}"
    if cost is None:
        return item.nothing(below)
    return item.deducted(threshold_points(value, threshold, item.top, cost), below)


class RateSource(Rule):
    """Where a percentage comes from: a percentage fact, or a ratio of two facts × 100."""

    fact: Name | None = None
    numerator: Name | None = None
    denominator: Name | None = None

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        if self.fact is not None:
            yield "fact", self.fact, frozenset(("percentage",))
        if self.denominator is not None:
            yield "denominator", self.denominator, NUMBERS
        if self.numerator is not None:
            yield "numerator", self.numerator, NUMBERS

    def problems(self, item: Any, rubric: Any) -> Iterator[tuple[tuple, Any, str]]:
        ratio = (self.numerator, self.denominator)
        alone = self.fact is not None and ratio == (None, None)
        if not alone and (self.fact is not None or None in ratio):
            yield (), {"fact": self.fact, "numerator": self.numerator,
                       "denominator": self.denominator}, (
                "fact（一个百分率事实），或 numerator 与 denominator（两个数值事实，"
                "比值乘以100），二者选一")

    def rate(self, facts: Mapping[str, Any], item: ItemContext) -> Decimal | ItemScore:
        """The percentage, or the pending item when a fact is missing (or the denominator
        is 0: nothing to rate yet)."""
        if self.fact is not None:
            value = facts[self.fact]
            return item.pending(self.fact) if value is None else value
        whole = facts[self.denominator]
        if not whole:
            return item.pending(self.denominator)
        part = facts[self.numerator]
        if part is None:
            return item.pending(self.numerator)
        return Decimal(part) * 100 / whole


class Rate(RateSource):
    """A percentage against a threshold, with a cost per percentage point below."""

    kind: Literal["rate"]
    threshold: Points
    cost: Points | None = None
    label: Text

    def score(self, facts: Mapping[str, Any], item: ItemContext) -> ItemScore:
        rate = self.rate(facts, item)
        if isinstance(rate, ItemScore):
            return rate
        return against_threshold(item, self.label, rate, "%", self.threshold, self.cost)


class PerCapita(Rule):
    """An amount per head against a threshold, with a cost per unit below; no heads at
    all scores 0 (not pending)."""

    kind: Literal["per_capita"]
    fact: Name
    per: Name
    threshold: Points
    cost: Points | None = None
    label: Text
    unit: Words = ""
    none: Text

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "per", self.per, frozenset(("count",))
        yield "fact", self.fact, NUMBERS

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "none", self.none, frozenset()

    def score(self, facts: Mapping[str, Any], item: ItemContext) -> ItemScore:
        heads = facts[self.per]
        if heads is None:
            return item.pending(self.per)
        if heads == 0:
            return item.nothing(self.none)
        amount = facts[self.fact]
        if amount is None:
            return item.pending(self.fact)
        return against_threshold(item, self.label, Decimal(amount) / heads, self.unit,
                                 self.threshold, self.cost)
