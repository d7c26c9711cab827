"""A rubric as a reader checks it (`python -m scoring check FILE`): the scheme, its items
with their maxima per category, the facts, the submissions and the year, as text tables."""
from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Iterable, Sequence

from scoring.numbers import fmt
from scoring.rules.kinds import KIND_TITLES
from scoring.schema.rubric import Rubric
from scoring.versions import RubricVersions

TYPE_TITLES = {"yes_no": "是/否", "count": "计数", "decimal": "数值", "percentage": "百分率",
               "grade": "等级", "stories": "稿件（分级别）", "points": "酌情分（附理由）",
               "submissions": "报送情况"}
SOURCE_TITLES = {"chat": "聊天报送", "office": "办公室录入", "import": "表格导入"}
MODE_TITLES = {"half_up": "四舍五入", "half_even": "四舍六入五成双", "down": "舍去", "up": "进一"}
RANK_TITLES = {"percent": "得分率", "total": "总分"}


def width(text: str) -> int:
    """How many columns a text takes on a terminal (a Chinese character: two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Rows under a header, each column as wide as its widest cell."""
    rows = [list(map(str, r)) for r in rows]
    widths = [max(width(r[n]) for r in [list(header), *rows]) for n in range(len(header))]
    lines = ["  ".join(cell + " " * (w - width(cell)) for cell, w in zip(line, widths)).rstrip()
             for line in [list(header), *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _items(rubric: Rubric) -> str:
    categories = list(rubric.categories)
    header = ["考核内容", "标准分", "编号", "评分项", "规则", "满分",
              *(rubric.categories[c].title for c in categories)]
    rows, previous = [], None
    for item in rubric.items:
        group = rubric.group[item.group]
        first = group.id != previous
        previous = group.id
        rows.append([group.title if first else "", fmt(group.standard) if first else "",
                     item.id, item.title, KIND_TITLES[item.rule.kind], fmt(item.max),
                     *(fmt(item.max) if item.id in rubric.categories[c].items else "—"
                       for c in categories)])
    total = sum((g.standard for g in rubric.groups), Decimal(0))
    rows.append(["合计", fmt(total), "", "", "", "",
                 *(fmt(rubric.standard(c)) for c in categories)])
    return table(header, rows)


def _bounds(fact) -> str:
    low, high = getattr(fact, "min", None), getattr(fact, "max", None)
    if fact.type == "grade":
        return "、".join(fact.grades.values())
    if fact.type == "stories":
        return "、".join(fact.levels.values())
    if low is None or (not low and high is None):
        return ""
    low = fmt(Decimal(low))
    return f"{low}–{fmt(Decimal(high))}" if high is not None else f"≥{low}"


def _facts(rubric: Rubric) -> str:
    rows = []
    for name, fact in rubric.facts.items():
        checks = "；".join(f"不超过 {c.at_most}（提醒）" for c in getattr(fact, "checks", ()))
        rows.append([name, fact.label, TYPE_TITLES[fact.type], fact.unit, _bounds(fact),
                     "、".join(SOURCE_TITLES[s] for s in fact.sources),
                     "、".join(rubric.items_reading(name)) or "—", checks])
    return table(["名称", "说明", "类型", "单位", "范围", "来源", "用于", "核对"], rows)


def _every(months: int) -> str:
    return "每月" if months == 1 else f"每{months}个月"


def _submissions(rubric: Rubric) -> str:
    rows = []
    for name, s in rubric.submissions.items():
        every = (_every(s.every) if isinstance(s.every, int) else "，".join(
            f"{rubric.categories[c].title}{_every(n)}" for c, n in s.every.items()))
        due = f"{s.due_day}日{'当天' if s.inclusive else '之前'}" + (
            "（遇节假日顺延）" if s.holiday_shift else "")
        rows.append([name, s.title, every, due, f"{s.min_chars}字、{s.min_photos}张图",
                     f"每次扣{fmt(s.miss_cost)}分"])
    return table(["名称", "报送", "频次", "截止", "至少", "逾期或未报"], rows)


def _year(rubric: Rubric) -> str:
    year = rubric.year
    rows = []
    for name, bonus in year.bonus.items():
        points = (fmt(bonus.points) if not bonus.levels() else "，".join(
            f"{year.levels[lv]}{fmt(p)}" for lv, p in bonus.points.items()))
        rows.append(["加分", name, bonus.label, points])
    rows += [["扣分", name, label, "酌情"] for name, label in year.deductions.items()]
    combine = "各季度平均" if year.combine == "mean" else "各季度之和"
    return f"年度：{combine}，加上加分，减去扣分\n" + table(["", "名称", "说明", "分值"], rows)


def describe_version(rubric: Rubric) -> str:
    """One version: scheme, items and maxima per category, facts, submissions, year."""
    s, r = rubric.scheme, rubric.rounding
    head = [f"评分细则：{s.name}",
            f"文号：{s.document or '（无）'}　版本：{s.version}　自{s.effective_from.label}起施行",
            f"文件：{rubric.source}",
            f"取整：每项保留{r.places}位小数（{MODE_TITLES[r.mode]}）；"
            f"排名：季度按{RANK_TITLES[rubric.ranking.quarter]}，年度按总分"]
    return "\n\n".join(["\n".join(head), "评分项\n" + _items(rubric), "事实\n" + _facts(rubric),
                        "报送\n" + _submissions(rubric), _year(rubric)])


def describe(versions: RubricVersions) -> str:
    """Every version, oldest first."""
    return "\n\n\n".join(describe_version(v) for v in versions.versions)
