"""A grade mapped to points (6.2 满意率: 优秀 5, 良好 4, 一般 3); stars are grades too."""
from __future__ import annotations

from types import MappingProxyType
from typing import Annotated, Any, Iterator, Literal, Mapping

from pydantic import AfterValidator, Field

from scoring.rules.base import ItemContext, ItemScore, Rule, fill
from scoring.schema.base import Name, Points, Text

PointsTable = Annotated[dict[Text, Points], Field(min_length=1),
                        AfterValidator(MappingProxyType)]


class Grade(Rule):
    """The points of the grade given; the sentence shows the grade's label."""

    kind: Literal["grade"]
    fact: Name
    points: PointsTable
    why: Text

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "fact", self.fact, frozenset(("grade",))

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "why", self.why, frozenset((self.fact,))

    def problems(self, item: Any, rubric: Any) -> Iterator[tuple[tuple, Any, str]]:
        fact = rubric.facts.get(self.fact)
        grades = tuple(getattr(fact, "grades", ()))
        if grades and set(self.points) != set(grades):
            yield ("points",), dict(self.points), (
                f"事实 {self.fact} 的每个等级各有一个分值：" + "、".join(grades))
        for grade, points in self.points.items():
            if points > item.max:
                yield ("points", grade), points, f"不大于本项满分 {item.max} 的分值"

    def score(self, facts: Mapping[str, Any], item: ItemContext) -> ItemScore:
        grade = facts[self.fact]
        if grade is None:
            return item.pending(self.fact)
        label = item.facts[self.fact].grades[grade]
        return item.full(self.points[grade], fill(self.why, {self.fact: label}))
