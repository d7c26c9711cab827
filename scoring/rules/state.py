"""The state multiplier of the national volunteer-service assessment: the item scores its
maximum times the share of the unit's state (A 100 %, B 66 %, C 33 %, C# 0). The state is
the one the office set (a grade fact), or else follows from a count of defects by steps."""
from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Any, Iterator, Literal, Mapping

from pydantic import AfterValidator, Field

from scoring.rules.base import ItemContext, ItemScore, Rule, fill
from scoring.rules.steps import step_for, step_problems
from scoring.schema.base import Count, Model, Name, Points, Seq, Text


class StateStep(Model):
    up_to: Count | None = None
    state: Text


Shares = Annotated[dict[Text, Points], Field(min_length=1), AfterValidator(MappingProxyType)]


def state_points(top: Decimal, share: Decimal) -> Decimal:
    """The points before rounding: the maximum times the state's share."""
    return top * share


class State(Rule):
    """The maximum times the share of the state set by the office or found by defects."""

    kind: Literal["state"]
    fact: Name | None = None            # a grade fact: the state the office set
    defects: Name | None = None         # a count fact: the state follows from it ...
    by_defects: Seq[StateStep] = ()   # ... by these steps
    shares: Shares
    why: Text                           # fills in {state} and {share}

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        if self.fact is not None:
            yield "fact", self.fact, frozenset(("grade",))
        if self.defects is not None:
            yield "defects", self.defects, frozenset(("count",))

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "why", self.why, frozenset(("state", "share"))

    def states(self, rubric: Any) -> tuple[str, ...]:
        """Every state the rule may meet: the grade fact's and the steps'."""
        found = list(getattr(rubric.facts.get(self.fact), "grades", ()))
        found += [s.state for s in self.by_defects if s.state not in found]
        return tuple(found)

    def problems(self, item: Any, rubric: Any) -> Iterator[tuple[tuple, Any, str]]:
        if self.fact is None and self.defects is None:
            yield (), None, "fact（办公室评定的状态）或 defects（按问题数评定），至少写一个"
        if (self.defects is None) != (not self.by_defects):
            yield ("by_defects",), [s.model_dump() for s in self.by_defects], (
                "与 defects 同时写：按问题数逐级评定的状态")
        yield from step_problems(self.by_defects, "by_defects")
        missing = [s for s in self.states(rubric) if s not in self.shares]
        if missing:
            yield ("shares",), dict(self.shares), "每个状态各有一个比例：" + "、".join(
                self.states(rubric))
        for state, share in self.shares.items():
            if share > 1:
                yield ("shares", state), share, "0到1之间的比例（1 即100%）"

    def score(self, facts: Mapping[str, Any], item: ItemContext) -> ItemScore:
        state = facts[self.fact] if self.fact is not None else None
        found = ""
        if state is None and self.defects is not None:
            defects = facts[self.defects]
            if defects is not None:
                state = step_for(self.by_defects, defects).state
                fact = item.facts[self.defects]
                found = f"（{fact.label}{defects}{fact.unit}）"
        if state is None:
            return item.pending(self.fact or self.defects)
        share = self.shares[state]
        grades = getattr(item.facts.get(self.fact), "grades", {})
        sentence = fill(self.why, {"state": grades.get(state, state) + found,
                                   "share": f"{(share * 100).normalize():f}%"})
        if share == 0:
            return item.nothing(sentence)
        return item.full(state_points(item.top, share), sentence)
