"""The demo's quarter facts, made up from the rubric's declarations: whatever facts a
rubric declares, each gets a plausible value of its type (heads within a unit's size, a
count below the one it is checked against, a few services, rates and grades only once the
quarter has ended), deterministic for a unit and quarter."""
from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from bot.office.fact_fields import Field, fields

HEADS = "人"    # a count of people: within the unit's size


def _count(rng: random.Random, field: Field, values: dict[str, Any], heads: int) -> int:
    for check in getattr(field.declaration, "checks", ()):
        other = values.get(check.at_most)
        if isinstance(other, int):      # e.g. volunteers among the staff
            return int(other * rng.uniform(0.6, 1.0))
    if field.declaration.unit == HEADS:
        return heads
    low = int(field.low)
    high = int(field.high) if field.high is not None else low + 12
    return rng.choice((low, *range(low, high + 1)))


def _value(rng: random.Random, field: Field, values: dict[str, Any], heads: int,
           ended: bool) -> Any:
    kind = field.type
    if kind == "yes_no":
        return rng.random() < 0.8
    if kind == "count":
        return _count(rng, field, values, heads)
    if kind == "decimal":
        return Decimal(heads * rng.randint(3, 7)).quantize(Decimal("0.01"))
    if kind == "percentage":   # a survey: once the quarter is over
        return Decimal(rng.randint(650, 990)) / 10 if ended else None
    if kind == "grade":        # a rating: once the quarter is over
        return rng.choice(tuple(field.declaration.grades)) if ended else None
    if kind == "stories":
        return True if ended else None
    if kind == "points":
        if field.declaration.absent_is_empty and rng.random() < 0.7:
            return ()
        points = Decimal(rng.randint(int(field.low * 2), int(field.high * 2))) / 2
        return ((points.quantize(Decimal("0.01")), "演示数据：办公室酌情评定"),)
    return None


def demo_facts(rng: random.Random, rubric, ended: bool) -> dict[str, Any]:
    """Plausible typed facts of one quarter, by field key."""
    heads = rng.randint(20, 120)
    values: dict[str, Any] = {}
    by_fact: dict[str, Any] = {}
    for field in fields(rubric, "import"):
        values[field.key] = by_fact[field.fact] = _value(rng, field, by_fact, heads, ended)
    return values
