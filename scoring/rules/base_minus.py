"""A base minus deductions (百分制扣分): the item's maximum less what its clauses deduct,
never below 0. A clause deducts fixed points when a yes/no fact is (not) so, points per
occurrence of a count (capped or not), fixed points when a rate is below a threshold, or
the discretionary deductions the office entered, each within its range and with a reason.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Iterator, Literal, Mapping, Union

from pydantic import Field

from scoring.numbers import fmt
from scoring.rules.base import ItemContext, ItemScore, fill
from scoring.rules.base import Rule as Part
from scoring.rules.threshold import RateSource
from scoring.schema.base import Name, Points, Seq, Text

Lost = list[tuple[str, Decimal]]   # (why, points) for each deduction that applies


class When(Part):
    """Deduct `points` when a yes/no fact is `is` (default: when it does not hold)."""

    kind: Literal["when"]
    fact: Name
    is_: bool = Field(False, alias="is")
    points: Points
    why: Text

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "fact", self.fact, frozenset(("yes_no",))

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "why", self.why, frozenset()

    def lost(self, facts: Mapping[str, Any]) -> Lost:
        return [(self.why, self.points)] if facts[self.fact] is self.is_ else []


class Each(Part):
    """Deduct `points` per occurrence of a count, at most `cap` in all."""

    kind: Literal["each"]
    fact: Name
    points: Points
    cap: Points | None = None
    why: Text

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "fact", self.fact, frozenset(("count",))

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "why", self.why, frozenset((self.fact,))

    def lost(self, facts: Mapping[str, Any]) -> Lost:
        n = facts[self.fact]
        points = self.points * n if self.cap is None else min(self.cap, self.points * n)
        return [(fill(self.why, {self.fact: n}), points)] if n else []


class Below(RateSource):
    """Deduct `points` when a rate is below its threshold (志愿者占比低于70%)."""

    kind: Literal["below"]
    threshold: Points
    points: Points
    why: Text

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "why", self.why, frozenset(("rate",))

    def lost(self, facts: Mapping[str, Any], rate: Decimal) -> Lost:
        if rate >= self.threshold:
            return []
        return [(fill(self.why, {"rate": f"{fmt(rate)}%"}), self.points)]


class Entries(Part):
    """Deduct what the office entered: a points fact, each entry with its reason."""

    kind: Literal["entries"]
    fact: Name

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "fact", self.fact, frozenset(("points",))

    def lost(self, facts: Mapping[str, Any]) -> Lost:
        return [(e.reason, e.points) for e in facts[self.fact]]


Clause = Annotated[Union[When, Each, Below, Entries], Field(discriminator="kind")]


def base_minus_points(top: Decimal, lost: Lost) -> Decimal:
    """The points before rounding: `top` less every deduction, never below 0."""
    return max(Decimal(0), top - sum((points for _, points in lost), Decimal(0)))


class BaseMinus(Part):
    """The item's maximum less the deductions of its clauses."""

    kind: Literal["base_minus"]
    deductions: Seq[Clause] = Field(min_length=1)
    clean: Text   # said when nothing is deducted

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        for n, clause in enumerate(self.deductions):
            for key, name, types in clause.facts_read():
                yield f"deductions[{n}].{key}", name, types

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "clean", self.clean, frozenset()
        for n, clause in enumerate(self.deductions):
            for key, template, names in clause.templates():
                yield f"deductions[{n}].{key}", template, names

    def problems(self, item: Any, rubric: Any) -> Iterator[tuple[tuple, Any, str]]:
        for n, clause in enumerate(self.deductions):
            for path, value, expected in clause.problems(item, rubric):
                yield ("deductions", n, *path), value, expected

    def score(self, facts: Mapping[str, Any], item: ItemContext) -> ItemScore:
        lost: Lost = []
        for clause in self.deductions:
            if isinstance(clause, Below):
                rate = clause.rate(facts, item)
                if isinstance(rate, ItemScore):
                    return rate
                lost += clause.lost(facts, rate)
                continue
            for _, name, _ in clause.facts_read():
                if facts[name] is None:
                    return item.pending(name)
            lost += clause.lost(facts)
        if not lost:
            return item.full(item.top, self.clean)
        if len(lost) == 1:
            sentence = lost[0][0]
        else:
            sentence = "；".join(f"{why}（扣{fmt(points)}分）" for why, points in lost)
        return item.deducted(base_minus_points(item.top, lost), sentence)
