"""Score a unit's year (RUBRIC.md "The year")."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from scoring.numbers import ZERO, round_cent
from scoring.params import DEFAULT, RubricParams
from scoring.results import YearScore
from scoring.validate import BonusEntry, parse_year_input

QUARTERS_IN_YEAR = 4


def bonus_points(entry: BonusEntry, params: RubricParams) -> Decimal:
    """Return the points one bonus occurrence earns."""
    if entry.kind == "host_event":
        return params.host_event_bonus
    table = params.research_visit_bonus if entry.kind == "research_visit" \
        else params.endorsement_bonus
    return table[entry.level]


def year_score(data: Mapping[str, Any], params: RubricParams = DEFAULT) -> YearScore:
    """Score one unit's year: mean of the quarters + bonus − deductions.

    The mean is over the quarters given; provisional unless all four are given,
    or as the input's own `provisional` says. Raises InputError on bad input.
    """
    facts = parse_year_input(data, params)
    totals = list(facts.quarters.values())
    mean = round_cent(sum(totals, ZERO) / len(totals)) if totals else ZERO
    bonus = round_cent(sum((bonus_points(b, params) for b in facts.bonus), ZERO))
    deductions = round_cent(sum((d.points for d in facts.deductions), ZERO))
    provisional = facts.provisional
    if provisional is None:
        provisional = len(totals) < QUARTERS_IN_YEAR
    return YearScore(facts.year, mean, bonus, deductions, mean + bonus - deductions,
                     provisional, tuple(sorted(facts.quarters)))


def score_year(data: Mapping[str, Any], params: RubricParams = DEFAULT) -> dict[str, Any]:
    """Score one unit's year as RUBRIC.md's year output (decimal strings), for JSON."""
    return year_score(data, params).as_dict()
