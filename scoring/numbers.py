"""Decimal helpers: rounding like the rubric and writing scores as strings."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

CENT = Decimal("0.01")
ZERO = Decimal(0)


def round_cent(value: Decimal) -> Decimal:
    """Round to 0.01, halves away from zero (RUBRIC.md: ROUND_HALF_UP)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def floor_zero(value: Decimal) -> Decimal:
    """Keep a score from going below zero (扣完为止)."""
    return max(ZERO, value)


@lru_cache(maxsize=4096, typed=True)  # a table of 2,000 units writes a few values 50,000 times
def fmt(value: Decimal) -> str:
    """Write a score rounded to 0.01 without trailing zeros: 1.5, 64.22, 20, 0."""
    text = format(round_cent(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_rate(value: Decimal) -> str:
    """Write a rate or an average to 0.01 keeping one decimal: 78.0, 78.5, 76.47."""
    text = fmt(value)
    return text if "." in text else text + ".0"
