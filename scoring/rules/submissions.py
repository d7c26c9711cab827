"""The late or missing submission penalty (6.1 月度小结): the maximum less the submission's
cost per due period of the quarter that is late or missing, never below 0; pending,
on-time, waived and exempt periods cost nothing."""
from __future__ import annotations

from typing import Any, Iterator, Literal, Mapping

from scoring.calendar import MonthStatus
from scoring.rules.base import ItemContext, ItemScore, Rule
from scoring.schema.base import Name, Text

MISSED = (MonthStatus.LATE, MonthStatus.MISSING)


def missed_periods(statuses: Mapping[Any, MonthStatus]) -> list[tuple[Any, MonthStatus]]:
    """The late or missing periods, in order."""
    return [(m, s) for m, s in sorted(statuses.items()) if s in MISSED]


class Submissions(Rule):
    """The maximum less `miss_cost` (the submission's) per late or missing period."""

    kind: Literal["submissions"]
    fact: Name
    name: Text      # one period's submission: "{month}月{name}{late}"
    late: Text
    missing: Text
    settled: Text   # nothing missed and every due period judged
    so_far: Text    # nothing missed so far

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        yield "fact", self.fact, frozenset(("submissions",))

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        for key in ("name", "late", "missing", "settled", "so_far"):
            yield key, getattr(self, key), frozenset()

    def score(self, facts: Mapping[str, Any], item: ItemContext) -> ItemScore:
        statuses = facts[self.fact]
        if statuses is None:
            return item.pending(self.fact)
        missed = missed_periods(statuses.months)
        if missed:
            cost = item.submissions[item.facts[self.fact].submission].miss_cost
            sentence = "、".join(
                f"{m.month}月{self.name}{self.late if s is MonthStatus.LATE else self.missing}"
                for m, s in missed)
            return item.deducted(item.top - cost * len(missed), sentence)
        settled = (len(statuses.months) == len(statuses.due)
                   and MonthStatus.PENDING not in statuses.months.values())
        return item.full(item.top, self.settled if settled else self.so_far)
