"""What a rubric file must get right beyond the type of each value: ids are unique, every
name refers to something declared with the right type, sentences fill in only what they
may, the maxima add up where the file says they do.

Each check yields (location, value, expected); the loader reports the first.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterator

from scoring.schema.base import check_template
from scoring.schema.facts import NUMBER_TYPES
from scoring.schema.rubric import Rubric

Problem = tuple[tuple, Any, str]
_TYPE_WORDS = {"yes_no": "是/否", "count": "计数", "decimal": "数值", "percentage": "百分率",
               "grade": "等级", "stories": "稿件列表", "points": "酌情分", "submissions": "报送情况"}


def problems(rubric: Rubric) -> Iterator[Problem]:
    """Every problem of a validated rubric, in the file's order."""
    yield from _unique(rubric)
    yield from _groups_and_items(rubric)
    yield from _rules(rubric)
    yield from _facts(rubric)
    yield from _categories(rubric)
    yield from _submissions(rubric)
    yield from _year(rubric)
    yield from _previous(rubric)


def _unique(rubric: Rubric) -> Iterator[Problem]:
    for key, entries in (("groups", rubric.groups), ("items", rubric.items)):
        seen: Counter = Counter()
        for n, entry in enumerate(entries):
            seen[entry.id] += 1
            if seen[entry.id] == 2:
                yield (key, n, "id"), entry.id, "与前面各项不同的编号（此编号已用过）"


def _groups_and_items(rubric: Rubric) -> Iterator[Problem]:
    for n, item in enumerate(rubric.items):
        if item.group not in rubric.group:
            yield ("items", n, "group"), item.group, "已声明的考核内容编号之一：" + "、".join(
                rubric.group)
    if rubric.scheme.maxima_add_up:
        for n, group in enumerate(rubric.groups):
            total = sum((i.max for i in rubric.items if i.group == group.id), 0)
            if total != group.standard:
                yield ("groups", n, "standard"), group.standard, (
                    f"本组各项满分之和 {total}（scheme.maxima_add_up = true）")


def _path(key: str) -> tuple:
    """'deductions[0].fact' as ('deductions', 0, 'fact')."""
    parts: list = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key):
        parts.append(int(index) if index else name)
    return tuple(parts)


def _rules(rubric: Rubric) -> Iterator[Problem]:
    for n, item in enumerate(rubric.items):
        where = ("items", n, "rule")
        for key, name, types in item.rule.facts_read():
            fact = rubric.facts.get(name)
            wanted = "、".join(_TYPE_WORDS[t] for t in sorted(types))
            if fact is None:
                yield (*where, *_path(key)), name, f"已声明的事实（[facts.{name}]，类型为{wanted}）"
            elif fact.type not in types:
                yield (*where, *_path(key)), name, (
                    f"类型为{wanted}的事实（{name} 的类型是{_TYPE_WORDS[fact.type]}）")
        for key, template, names in item.rule.templates():
            wrong = check_template(template, names)
            if wrong:
                yield (*where, *_path(key)), template, wrong
        for path, value, expected in item.rule.problems(item, rubric):
            yield (*where, *path), value, expected


def _facts(rubric: Rubric) -> Iterator[Problem]:
    for name, fact in rubric.facts.items():
        if fact.pending is not None and check_template(fact.pending, ()):
            yield ("facts", name, "pending"), fact.pending, check_template(fact.pending, ())
        low, high = getattr(fact, "min", None), getattr(fact, "max", None)
        if low is not None and high is not None and low > high:
            yield ("facts", name, "max"), high, f"不小于 min（{low}）的数"
        for n, check in enumerate(getattr(fact, "checks", ())):
            other = rubric.facts.get(check.at_most)
            if other is None or other.type not in NUMBER_TYPES or check.at_most == name:
                yield ("facts", name, "checks", n, "at_most"), check.at_most, (
                    "另一个已声明的计数、数值或百分率事实")
        if fact.type == "submissions" and fact.submission not in rubric.submissions:
            yield ("facts", name, "submission"), fact.submission, (
                "已声明的报送之一（[submissions.…]）：" + "、".join(rubric.submissions))


def _categories(rubric: Rubric) -> Iterator[Problem]:
    for name, category in rubric.categories.items():
        seen = set()
        for n, item_id in enumerate(category.items):
            if item_id not in rubric.item:
                yield ("categories", name, "items", n), item_id, (
                    "已声明的评分项编号之一：" + "、".join(rubric.item))
            elif item_id in seen:
                yield ("categories", name, "items", n), item_id, "不重复的评分项编号"
            seen.add(item_id)


def _submissions(rubric: Rubric) -> Iterator[Problem]:
    for name, submission in rubric.submissions.items():
        every = submission.every
        for category, months in ({} if isinstance(every, int) else every).items():
            if category not in rubric.categories:
                yield ("submissions", name, "every", category), months, (
                    "以考核对象类别为键：" + "、".join(rubric.categories))
        for months in ([every] if isinstance(every, int) else every.values()):
            if 12 % months:
                yield ("submissions", name, "every"), every, "能整除12的月数：1、2、3、4、6 或 12"


def _year(rubric: Rubric) -> Iterator[Problem]:
    levels = rubric.year.levels
    for kind, bonus in rubric.year.bonus.items():
        for level in bonus.levels():
            if level not in levels:
                yield ("year", "bonus", kind, "points", level), bonus.points[level], (
                    "以 [year] levels 中声明的级别为键：" + "、".join(levels))


def _previous(rubric: Rubric) -> Iterator[Problem]:
    for old, new in rubric.previous.renamed.items():
        if new not in rubric.facts:
            yield ("previous", "renamed", old), new, "本版本声明的事实之一"
