"""A one-item rubric built in the test, to score one rule kind at a time."""
from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from scoring import quarter_score
from scoring.results import ItemResult
from scoring.schema.load import build_rubric
from scoring.schema.rubric import Rubric

D = Decimal


def one_item(rule: dict, facts: dict, top: Any = 10, **more: Any) -> dict:
    """A parsed rubric file with one item (1.1) scored by `rule` over `facts`."""
    raw = {"format": 1,
           "scheme": {"name": "测试细则", "version": "1", "effective_from": "2026Q1"},
           "groups": [{"id": "1", "title": "测试", "standard": top}],
           "items": [{"id": "1.1", "title": "测试项", "group": "1", "max": top, "rule": rule}],
           "facts": facts,
           "categories": {"unit": {"title": "单位", "items": ["1.1"]}}}
    raw.update(copy.deepcopy(more))
    return raw


def rubric_of(rule: dict, facts: dict, top: Any = 10, **more: Any) -> Rubric:
    """The one-item rubric, validated."""
    return build_rubric(one_item(rule, facts, top, **more), "test.toml")


def scored(rubric: Rubric, quarter: str = "2026Q1", **facts: Any) -> ItemResult:
    """Item 1.1 of a quarter with these facts."""
    return quarter_score({"quarter": quarter, **facts}, rubric).items["1.1"]
