"""A shortfall: the maximum less a cost per occurrence short of the required count, never
below 0; the required count may depend on another fact (3.1: 6 services for 3 order-service
items or fewer, 10 for 4 or more; 30 − 5 per service short)."""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Iterator, Literal, Mapping

from pydantic import BeforeValidator, Field

from scoring.rules.base import ItemContext, ItemScore, Rule, fill
from scoring.rules.steps import step_for, step_problems
from scoring.schema.base import Count, Model, Name, Points, Seq, Text


def shortfall_points(required: int, delivered: int, top: Decimal, cost: Decimal) -> Decimal:
    """The points before rounding: `top` less `cost` per occurrence short, never below 0."""
    return max(Decimal(0), top - cost * max(0, required - delivered))


class Step(Model):
    up_to: Count | None = None
    count: Count


class Required(Model):
    """The required count: one number, or steps of another fact."""

    fact: Name | None = None
    steps: Seq[Step] = Field(min_length=1)


def _required(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return {"steps": [{"count": value}]}
    return value


class Shortfall(Rule):
    """The item's maximum less `cost` per occurrence short of the required count."""

    kind: Literal["shortfall"]
    fact: Name
    required: Annotated[Required, BeforeValidator(_required)]
    cost: Points
    why: Text

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        if self.required.fact is not None:
            yield "required.fact", self.required.fact, frozenset(("count",))
        yield "fact", self.fact, frozenset(("count",))

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "why", self.why, frozenset((*self.reads(), "required"))

    def problems(self, item: Any, rubric: Any) -> Iterator[tuple[tuple, Any, str]]:
        steps = self.required.steps
        if self.required.fact is None and len(steps) > 1:
            yield ("required", "fact"), None, "计数事实的名称（分级的应服务次数按它查找）"
        for path, value, expected in step_problems(steps, "steps"):
            yield ("required", *path), value, expected

    def score(self, facts: Mapping[str, Any], item: ItemContext) -> ItemScore:
        names: dict[str, Any] = {}
        if self.required.fact is not None:
            by = facts[self.required.fact]
            if by is None:
                return item.pending(self.required.fact)
            names[self.required.fact] = by
            required = step_for(self.required.steps, by).count
        else:
            required = self.required.steps[0].count
        delivered = facts[self.fact]
        if delivered is None:
            return item.pending(self.fact)
        names.update({self.fact: delivered, "required": required})
        sentence = fill(self.why, names)
        if delivered >= required:
            return item.full(item.top, sentence)
        return item.deducted(shortfall_points(required, delivered, item.top, self.cost),
                             sentence)
