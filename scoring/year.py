"""Score a unit's year (RUBRIC.md "The year"): the quarters combined as the rubric says
(the mean), plus bonus, less deductions."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from scoring.periods import Quarter
from scoring.results import YearScore
from scoring.schema.rubric import Rubric
from scoring.validate import BonusEntry, parse_year_input, year_of
from scoring.versions import version_for

QUARTERS_IN_YEAR = 4
ZERO = Decimal(0)


def bonus_points(entry: BonusEntry, rubric: Rubric) -> Decimal:
    """Return the points one bonus occurrence earns."""
    points = rubric.year.bonus[entry.kind].points
    return points if isinstance(points, Decimal) else points[entry.level]


def year_score(data: Mapping[str, Any], rubric: Any = None) -> YearScore:
    """Score one unit's year: the quarters combined + bonus − deductions.

    The mean is over the quarters given; provisional unless all four are given, or as the
    input's own `provisional` says. The version in force for the year's last quarter
    scores it. Raises InputError on bad input.
    """
    version = version_for(rubric, Quarter(year_of(data), QUARTERS_IN_YEAR))
    facts = parse_year_input(data, version)
    totals = list(facts.quarters.values())
    combined = sum(totals, ZERO)
    if version.year.combine == "mean" and totals:
        combined = combined / len(totals)
    mean = version.round(combined)
    bonus = version.round(sum((bonus_points(b, version) for b in facts.bonus), ZERO))
    deductions = version.round(sum((d.points for d in facts.deductions), ZERO))
    provisional = facts.provisional
    if provisional is None:
        provisional = len(totals) < QUARTERS_IN_YEAR
    return YearScore(facts.year, mean, bonus, deductions, mean + bonus - deductions,
                     provisional, tuple(sorted(facts.quarters)), version.version)


def score_year(data: Mapping[str, Any], rubric: Any = None) -> dict[str, Any]:
    """Score one unit's year as RUBRIC.md's year output (decimal strings), for JSON."""
    return year_score(data, rubric).as_dict()
