"""The rubric's words: month statuses here; unit categories, items, media levels and
satisfaction ratings read from the default rubric file (for the readers that have not yet
moved to reading the rubric's own objects: the office console, the exports, the replies).
"""
from __future__ import annotations

from typing import Any, Mapping

from scoring.status_words import STATUS_LABELS
from scoring.versions import default_rubrics

__all__ = ["STATUS_LABELS"]


def _first_of(fact_type: str, key: str) -> Mapping[str, str]:
    rubric = default_rubrics().latest
    return next((dict(getattr(f, key)) for f in rubric.facts.values() if f.type == fact_type),
                {})


def __getattr__(name: str) -> Any:
    rubric = default_rubrics().latest
    if name == "CATEGORY_TITLES":
        return {c: category.title for c, category in rubric.categories.items()}
    if name == "ITEM_TITLES":
        return {i.id: i.title for i in rubric.items}
    if name == "MEDIA_LEVEL_TITLES":
        return _first_of("stories", "levels")
    if name == "SATISFACTION_TITLES":
        return _first_of("grade", "grades")
    raise AttributeError(name)
