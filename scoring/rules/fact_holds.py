"""Fixed points when a fact holds: a yes/no fact is true, or a count reaches `at_least`
(制作有队旗2分; 每季度至少培训1次得4分)."""
from __future__ import annotations

from typing import Any, Iterator, Literal, Mapping

from scoring.rules.base import ItemContext, ItemScore, Rule, fill
from scoring.schema.base import Count, Name, Points, Text


def holds(value: bool | int, at_least: int | None) -> bool:
    """Tell whether the fact holds: true, or a count of at least `at_least`."""
    return bool(value) if at_least is None else value >= at_least


class FactHolds(Rule):
    """The item's points (default: its maximum) when the fact holds, else 0."""

    kind: Literal["fact_holds"]
    fact: Name
    at_least: Count | None = None
    points: Points | None = None
    yes: Text
    no: Text
    none: Text | None = None      # a count of 0 (default: `no`)
    pending: Text | None = None   # default: the fact's

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        types = ("yes_no",) if self.at_least is None else ("count",)
        yield "fact", self.fact, frozenset(types)

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        names = frozenset() if self.at_least is None else frozenset((self.fact, "at_least"))
        for key in ("yes", "no", "none", "pending"):
            if getattr(self, key) is not None:
                yield key, getattr(self, key), names if key != "pending" else frozenset()

    def problems(self, item: Any, rubric: Any) -> Iterator[tuple[tuple, Any, str]]:
        if self.points is not None and self.points > item.max:
            yield ("points",), self.points, f"不大于本项满分 {item.max} 的分值"
        if self.none is not None and self.at_least is None:
            yield ("none",), self.none, "只在有 at_least（计数事实）时才写 none"

    def score(self, facts: Mapping[str, Any], item: ItemContext) -> ItemScore:
        value = facts[self.fact]
        if value is None:
            return item.pending(self.fact, self.pending)
        names = {self.fact: value, "at_least": self.at_least}
        if holds(value, self.at_least):
            points = item.top if self.points is None else self.points
            return item.full(points, fill(self.yes, names))
        if value == 0 and self.none is not None:
            return item.nothing(fill(self.none, names))
        return item.nothing(fill(self.no, names))

