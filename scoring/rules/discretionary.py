"""Discretionary points within a range, each with a reason (酌情加0–5分): the item scores the
sum of what the office entered, at most its maximum."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterator, Literal, Mapping, Sequence

from scoring.numbers import fmt
from scoring.rules.base import ItemContext, ItemScore, Rule
from scoring.schema.base import Name, Text


def entered_points(entries: Sequence[Any], cap: Decimal) -> Decimal:
    """The sum of the entries' points, at most `cap`."""
    return min(cap, sum((e.points for e in entries), Decimal(0)))


def reasons(entries: Sequence[Any]) -> str:
    """The entries' reasons, each with its points when there are several."""
    if len(entries) == 1:
        return entries[0].reason
    return "；".join(f"{e.reason}（{fmt(e.points)}分）" for e in entries)


class Discretionary(Rule):
    """The points the office entered (a points fact), at most the item's maximum."""

    kind: Literal["discretionary"]
    fact: Name
    none: Text    # nothing entered

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "fact", self.fact, frozenset(("points",))

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "none", self.none, frozenset()

    def score(self, facts: Mapping[str, Any], item: ItemContext) -> ItemScore:
        entries = facts[self.fact]
        if entries is None:
            return item.pending(self.fact)
        if not entries:
            return item.nothing(self.none)
        return item.full(entered_points(entries, item.top), reasons(entries))
