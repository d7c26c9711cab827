"""A unit's results as the score tables hold them, typed: its quarter (scored by the rubric,
entered by hand, or not assessed) and its year, each in a row with its rank.

`as_dict` writes what `python -m bot scores --format json` prints: RUBRIC.md's output with
what the tables add (assessed, note, by_hand; the year's label and quarter totals).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Mapping

from scoring import ItemResult, Quarter, QuarterAssessment, QuarterScore, YearScore
from scoring.numbers import fmt


@dataclass(frozen=True, slots=True)
class HandEntry:
    """Who entered a quarter's total by hand, when, and why."""

    reason: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class QuarterResult:
    """A unit's quarter: its score (None when the quarter is not assessed), how it was
    assessed, and who entered it when the office entered the total by hand."""

    quarter: Quarter
    category: str
    standard: Decimal
    assessment: QuarterAssessment
    score: QuarterScore | None = None
    by_hand: HandEntry | None = None

    @property
    def assessed(self) -> bool:
        return self.score is not None

    @property
    def total(self) -> Decimal | None:
        return None if self.score is None else self.score.total

    @property
    def percent(self) -> Decimal | None:
        return None if self.score is None else self.score.percent

    @property
    def items(self) -> Mapping[str, ItemResult]:
        return {} if self.score is None else self.score.items

    @property
    def pending(self) -> tuple[str, ...]:
        return () if self.score is None else self.score.pending

    @property
    def note(self) -> str:
        """未纳入：… or 手工录入 (RUBRIC.md "Which quarters are assessed"), or nothing."""
        return self.assessment.note

    def as_dict(self) -> dict[str, Any]:
        """The quarter as the JSON export writes it."""
        if self.score is None:
            shown = {"quarter": str(self.quarter), "category": self.category, "total": None,
                     "standard": fmt(self.standard), "percent": None, "items": {},
                     "pending": []}
        else:
            shown = self.score.as_dict()
        if self.by_hand is not None:
            shown["by_hand"] = {"reason": self.by_hand.reason, "by": self.by_hand.by,
                                "at": self.by_hand.at.isoformat()}
        return {**shown, "assessed": self.assessed, "note": self.note}


@dataclass(frozen=True, slots=True)
class YearResult:
    """A unit's running year: its score over the assessed quarters that have ended (with
    none, no mean and no total), what the mean is of, each such quarter's total, which of
    them were entered by hand, and why the others of the quarters ended were left out."""

    score: YearScore
    label: str
    quarter_totals: Mapping[Quarter, Decimal]
    by_hand: tuple[Quarter, ...]
    not_assessed: Mapping[Quarter, str]

    @property
    def assessed(self) -> bool:
        return bool(self.quarter_totals)

    @property
    def mean(self) -> Decimal | None:
        return self.score.mean if self.assessed else None

    @property
    def total(self) -> Decimal | None:
        return self.score.total if self.assessed else None

    @property
    def bonus(self) -> Decimal:
        return self.score.bonus

    @property
    def deductions(self) -> Decimal:
        return self.score.deductions

    @property
    def provisional(self) -> bool:
        return self.score.provisional

    def as_dict(self) -> dict[str, Any]:
        """The year as the JSON export writes it."""
        return {**self.score.as_dict(), "mean": _shown(self.mean), "total": _shown(self.total),
                "label": self.label,
                "quarter_totals": {str(q): fmt(t) for q, t in self.quarter_totals.items()},
                "by_hand": [str(q) for q in self.by_hand],
                "not_assessed": {str(q): why for q, why in self.not_assessed.items()}}


def _shown(value: Decimal | None) -> str | None:
    return None if value is None else fmt(value)


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One unit's result in a table, with its rank in its category (None: not assessed,
    so not ranked; `of` counts the ranked units)."""

    unit_id: int
    unit_name: str
    category: str
    result: QuarterResult | YearResult
    rank: int | None
    of: int

    @property
    def total(self) -> Decimal | None:
        return self.result.total

    @property
    def assessed(self) -> bool:
        """True when the row has a total (a quarter or year that is assessed)."""
        return self.result.assessed

    @property
    def assessment(self) -> QuarterAssessment | None:
        """A quarter's assessment; None in the year's table."""
        return self.result.assessment if isinstance(self.result, QuarterResult) else None

    @property
    def note(self) -> str:
        """未纳入：… or 手工录入 for a quarter; nothing for a year."""
        return self.result.note if isinstance(self.result, QuarterResult) else ""
