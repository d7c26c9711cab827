"""What the rubric gives back, typed: a quarter's score item by item, and a year's score.

Every figure is a `Decimal` rounded as the rubric says (0.01; a category's standard is
the sum of its items' maxima). Readers in the same process use these values; `as_dict`
writes the machine-readable contract of RUBRIC.md (decimal strings) for JSON.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from scoring.numbers import fmt
from scoring.periods import Quarter


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One item of a quarter: its title, score and maximum, whether its facts are still
    missing (then it scores 0), and why, in one Chinese sentence a liaison can read."""

    title: str
    score: Decimal
    max: Decimal
    pending: bool
    why: str

    def as_dict(self) -> dict[str, Any]:
        """The item as RUBRIC.md's quarter output writes it."""
        return {"score": fmt(self.score), "max": fmt(self.max), "pending": self.pending,
                "why": self.why, "title": self.title}


@dataclass(frozen=True, slots=True)
class QuarterScore:
    """A unit's quarter: the total of its category's items, the category's standard, the
    total as a percentage of it, each item in rubric order (none for a total the office
    entered by hand), and the version of the rubric that scored it."""

    quarter: Quarter
    category: str
    total: Decimal
    standard: Decimal
    percent: Decimal
    items: Mapping[str, ItemResult]
    rubric: str = ""

    @property
    def pending(self) -> tuple[str, ...]:
        """The ids of the items whose facts are still missing, in rubric order."""
        return tuple(item_id for item_id, item in self.items.items() if item.pending)

    def as_dict(self) -> dict[str, Any]:
        """RUBRIC.md's quarter output."""
        return {"quarter": str(self.quarter), "category": self.category,
                "total": fmt(self.total), "standard": fmt(self.standard),
                "percent": fmt(self.percent),
                "items": {item_id: item.as_dict() for item_id, item in self.items.items()},
                "pending": list(self.pending), "rubric": self.rubric}


@dataclass(frozen=True, slots=True)
class YearScore:
    """A unit's year: the mean of the quarters given, bonus, deductions, the total, whether
    it is provisional, the quarters the mean runs over, and the version of the rubric that
    scored it (not written by `as_dict`: the year's contract has no such key)."""

    year: int
    mean: Decimal
    bonus: Decimal
    deductions: Decimal
    total: Decimal
    provisional: bool
    quarters: tuple[Quarter, ...]
    rubric: str = ""

    def as_dict(self) -> dict[str, Any]:
        """RUBRIC.md's year output."""
        return {"year": self.year, "mean": fmt(self.mean), "bonus": fmt(self.bonus),
                "deductions": fmt(self.deductions), "total": fmt(self.total),
                "provisional": self.provisional, "quarters": [str(q) for q in self.quarters]}
