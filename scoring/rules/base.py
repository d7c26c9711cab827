"""What every rule kind shares: an item's score with its reason, what a rule knows of its
item, and how a rule says which facts it reads and which sentences it fills in.

A rule's `score(facts, item)` is a pure function of the facts' typed values; the reason
is one Chinese sentence ending in what the item scored: "…，得5分", "…，扣1分",
"…，不得分". A fact not entered yet makes the item pending at 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterator, Mapping

from scoring.numbers import ZERO, fmt
from scoring.schema.base import Model


@dataclass(frozen=True, slots=True)
class ItemScore:
    """One item's score (rounded), whether its facts are still missing, and why."""

    score: Decimal
    pending: bool
    why: str


@dataclass(frozen=True, slots=True)
class ItemContext:
    """What a rule knows of the item it scores: its maximum, its title, the rubric's fact
    declarations and submissions, and how scores are rounded."""

    top: Decimal
    title: str
    facts: Mapping[str, Any]
    submissions: Mapping[str, Any]
    quantum: Decimal = Decimal("0.01")
    rounding: str = ROUND_HALF_UP

    def round(self, value: Decimal) -> Decimal:
        """Round a score as the rubric says (0.01, halves away from zero by default)."""
        return value.quantize(self.quantum, rounding=self.rounding)

    def pending(self, fact: str, text: str | None = None) -> ItemScore:
        """The item waits for a fact: 0, pending, saying what is missing."""
        return ItemScore(ZERO, True, text or self.facts[fact].pending_text())

    def full(self, points: Decimal, sentence: str, after: str = "") -> ItemScore:
        """The item scores these points."""
        points = self.round(points)
        return ItemScore(points, False, f"{sentence}，得{fmt(points)}分{after}")

    def deducted(self, score: Decimal, sentence: str) -> ItemScore:
        """The item scores its maximum less a deduction, never below 0 (扣完为止)."""
        score = self.round(max(ZERO, score))
        return ItemScore(score, False, f"{sentence}，扣{fmt(self.top - score)}分")

    def nothing(self, sentence: str) -> ItemScore:
        """The item scores 0 for what it says."""
        return ItemScore(ZERO, False, f"{sentence}，不得分")


def shown(value: Any) -> str:
    """A value as a sentence shows it: 8, 78.5, 3.86."""
    return fmt(value) if isinstance(value, Decimal) else str(value)


def fill(template: str, values: Mapping[str, Any]) -> str:
    """Fill a sentence template's {name}s (checked when the file was read)."""
    if "{" not in template:
        return template
    return template.format_map({k: shown(v) for k, v in values.items()})


class Rule(Model):
    """A rule kind's parameters, as the file gives them, and how it scores."""

    def facts_read(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        """(key, fact name, the fact types it may have) for every fact the rule reads,
        in the order their absence is reported."""
        return iter(())

    def templates(self) -> Iterator[tuple[str, str, frozenset[str]]]:
        """(key, template, the names it may fill in) for every sentence of the rule."""
        return iter(())

    def problems(self, item: Any, rubric: Any) -> Iterator[tuple[tuple, Any, str]]:
        """(key path within the rule, value, what was expected) for what else is wrong."""
        return iter(())

    def reads(self) -> tuple[str, ...]:
        """The names of the facts the rule reads."""
        return tuple(name for _, name, _ in self.facts_read() if name)

    def score(self, facts: Mapping[str, Any], item: ItemContext) -> ItemScore:
        raise NotImplementedError

