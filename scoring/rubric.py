"""Score one quarter by a rubric's items (RUBRIC.md "Items of one quarter"): each item that
applies to the unit's category by its rule, the total, the category's standard and the
percentage of it, and which version of the rubric scored it."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from scoring.results import ItemResult, QuarterScore
from scoring.rules.base import ItemScore
from scoring.validate import input_quarter, parse_quarter_input
from scoring.versions import version_for

__all__ = ["ItemScore", "quarter_score", "score_quarter"]

ZERO = Decimal(0)


def quarter_score(data: Mapping[str, Any], rubric: Any = None) -> QuarterScore:
    """Score one unit's quarter from RUBRIC.md's quarter input; raise InputError on bad input.

    `rubric`: a Rubric, RubricVersions (the version in force for the quarter scores it),
    the old RubricParams, or None for the default rubric.
    """
    version = version_for(rubric, input_quarter(data))
    facts = parse_quarter_input(data, version)
    values = facts.values
    items = {}
    total = ZERO
    for item_id, title, top, score, context in version.scoring[facts.category]:
        scored = score(values, context)
        items[item_id] = ItemResult(title, scored.score, top, scored.pending, scored.why)
        total += scored.score
    standard = version.standards[facts.category]
    percent = version.round(total * 100 / standard) if standard else ZERO
    return QuarterScore(facts.quarter, facts.category, total, standard, percent, items,
                        version.version)


def score_quarter(data: Mapping[str, Any], rubric: Any = None) -> dict[str, Any]:
    """Score one unit's quarter as RUBRIC.md's quarter output (decimal strings), for JSON."""
    return quarter_score(data, rubric).as_dict()
