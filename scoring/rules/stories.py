"""Points per occurrence by level, summed; a story reported at several levels counts once,
at its highest (5 媒体宣传: 县级1、市级2、省级3、国家级5, 同一项目取最高得分), with or without
a cap (超出标准分以实际得分为准: none)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable, Iterator, Literal, Mapping

from scoring.rules.base import ItemContext, ItemScore, Rule
from scoring.rules.grade import PointsTable
from scoring.schema.base import Name, Text, Words


def best_levels(stories: Iterable[Any], points: Mapping[str, Decimal]) -> dict[str, str]:
    """Each story's highest level (the first reported among equals)."""
    best: dict[str, str] = {}
    for s in stories:
        if s.story not in best or points[s.level] > points[best[s.story]]:
            best[s.story] = s.level
    return best


def stories_points(stories: Iterable[Any], points: Mapping[str, Decimal],
                   cap: Decimal | None) -> Decimal:
    """The sum of each story's points at its highest level, capped when a cap is given."""
    total = sum((points[lv] for lv in best_levels(stories, points).values()), Decimal(0))
    return total if cap is None else min(total, cap)


class Stories(Rule):
    """Each story once at its highest level, summed; capped at the maximum with `cap`."""

    kind: Literal["stories"]
    fact: Name
    points: PointsTable
    cap: bool = False
    label: Text
    none: Text
    once: Text
    beyond: Words = ""    # said when an uncapped sum exceeds the maximum
    capped: Words = ""    # said when a capped sum reached the maximum

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "fact", self.fact, frozenset(("stories",))

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        for key in ("label", "none", "once", "beyond", "capped"):
            yield key, getattr(self, key), frozenset()

    def problems(self, item: Any, rubric: Any) -> Iterator[tuple[tuple, Any, str]]:
        levels = tuple(getattr(rubric.facts.get(self.fact), "levels", ()))
        if levels and set(self.points) != set(levels):
            yield ("points",), dict(self.points), (
                f"事实 {self.fact} 的每个级别各有一个分值：" + "、".join(levels))

    def score(self, facts: Mapping[str, Any], item: ItemContext) -> ItemScore:
        stories = facts[self.fact]
        if stories is None:
            return item.pending(self.fact)
        best = best_levels(stories, self.points)
        if not best:
            return item.nothing(self.none)
        total = sum((self.points[level] for level in best.values()), Decimal(0))
        titles = item.facts[self.fact].levels
        levels = sorted(self.points, key=self.points.__getitem__, reverse=True)
        counts = [f"{titles[lv]}{n}项" for lv in levels
                  if (n := sum(1 for v in best.values() if v == lv))]
        same = f"，{self.once}" if len(stories) > len(best) else ""
        sentence = f"{self.label}{len(best)}项（{'、'.join(counts)}{same}）"
        if total > item.top and self.cap:
            return item.full(item.top, sentence, f"，{self.capped}" if self.capped else "")
        beyond = f"，{self.beyond}" if total > item.top and self.beyond else ""
        return item.full(total, sentence, beyond)
