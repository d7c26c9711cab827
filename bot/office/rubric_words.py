"""What the configured rubric calls the keys the office's records store: each fact (by its
name and its form's key), a story's levels, the categories, the year's bonus kinds and
their levels, the deduction kinds. Read from every version of the rubric, the newest that
names a key first: a record written under an older version keeps its words.

The audit log reads its words here (bot/office/audit_words.py); a key no version names is
shown as stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from bot.office.fact_fields import Field, fields, story_levels
from scoring import RubricVersions



@dataclass(frozen=True)
class RubricWords:
    """The words of a rubric's keys (empty: every key shown as stored)."""

    fields: Mapping[str, Field] = field(default_factory=dict)   # by fact name and form key
    facts: Mapping[str, str] = field(default_factory=dict)      # the same keys, in words
    story_levels: Mapping[str, str] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)
    bonus: Mapping[str, str] = field(default_factory=dict)      # kind -> 承接实地调研
    levels: Mapping[str, str] = field(default_factory=dict)     # a bonus level -> 省级
    deductions: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, rubric: RubricVersions) -> RubricWords:
        """The words of every version of a rubric, the newest naming a key first."""
        found: dict[str, dict] = {name: {} for name in (
            "fields", "story_levels", "categories", "bonus", "levels", "deductions")}
        for version in reversed(rubric.versions):
            year = version.year
            for key, words in (
                    ("fields", {k: f for f in (*fields(version, "office"),
                                               *fields(version, "import"))
                                for k in (f.fact, f.key)}),
                    ("story_levels", story_levels(version)),
                    ("categories", {k: c.title for k, c in version.categories.items()}),
                    ("bonus", {k: b.label for k, b in year.bonus.items()}),
                    ("levels", year.levels), ("deductions", year.deductions)):
                for name, word in words.items():
                    found[key].setdefault(name, word)
        facts = {key: fact_word(f) for key, f in found["fields"].items()}
        return cls(facts=facts, **found)

    def bonus_entry(self, kind: str | None, level: str | None) -> str:
        """A bonus entry's kind and level: 承接实地调研（省级）."""
        words = self.bonus.get(kind, str(kind or "加分"))
        return f"{words}（{self.levels.get(level, level)}）" if level else words

    def deduction(self, kind: str | None) -> str:
        """A deduction's kind: 服务敷衍、搞形式主义."""
        return self.deductions.get(kind, str(kind or "扣分"))


def fact_word(fact: Field) -> str:
    """A fact's name in a sentence: its header without the form's hint of what to type
    (（是/否）, a grade's choices, a points fact's range)."""
    if fact.type == "stories":
        return f"{fact.label}已统计"
    unit = getattr(fact.declaration, "unit", "")
    return f"{fact.label}（{unit}）" if fact.type in ("decimal", "percentage") and unit \
        else fact.label
