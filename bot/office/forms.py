"""Reading the console's forms into stored values, with the same rules as the spreadsheet.

Plain functions on a mapping of form fields (no Flask); each returns values or a list of
Chinese problems, one per bad field.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from bot.office.entries import BONUS_KINDS, BONUS_LEVEL_WORDS, BONUS_WORDS, DEDUCTION_KINDS
from bot.office.facts import FACT_COLUMNS, parse_cell
from scoring.words import MEDIA_LEVEL_TITLES, SATISFACTION_TITLES

# Which rubric item each fact feeds, to show what does not count for a unit's category.
FIELD_ITEMS = {
    "annual_plan": ("1.1",), "annual_summary": ("1.2",), "materials_uploaded": ("1.3",),
    "team_flag": ("2.1",), "uniforms_sufficient": ("2.2",), "uniforms_worn": ("2.3",),
    "staff_on_post": ("2.4",), "registered_volunteers": ("2.4", "3.2"),
    "trainings": ("2.5",), "service_items": ("3.1",), "services": ("3.1",),
    "volunteer_hours": ("3.2",), "awareness_rate": ("3.3",), "brand_plan": ("4.1",),
    "brand_promoted": ("4.2",), "satisfaction": ("6.2",), "media_entered": ("5",),
}
EXCUSE_WORDS = {"waived": "豁免（事后）", "exempt": "免报（事先）"}


def fact_values(form: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Every fact of the form (blank: not entered), or the problems."""
    values, problems = {}, []
    for name, title, kind in FACT_COLUMNS:
        try:
            values[name] = parse_cell(form.get(name, ""), kind)
        except ValueError as exc:
            problems.append(f"{title}：{exc}，填的是「{form.get(name, '')}」")
    return values, problems


def shown_fact(value: Any, kind: str) -> str:
    """A stored fact as the form shows it."""
    if value is None:
        return ""
    if kind == "flag":
        return "是" if value else "否"
    if kind == "satisfaction":
        return SATISFACTION_TITLES.get(value, value)
    return str(value)


def optional_date(text: str | None, problems: list[str], title: str) -> date | None:
    """A date written 2026-03-15, or None when blank."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{title}应写成 2026-03-15")
        return None


def story_values(form: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """A media story: story, level, published_on, outlet, link."""
    problems: list[str] = []
    story = (form.get("story") or "").strip()
    if not story:
        problems.append("稿件或项目名称不能为空")
    level = form.get("level", "")
    if level not in MEDIA_LEVEL_TITLES:
        problems.append("请选择媒体级别")
    published = optional_date(form.get("published_on"), problems, "刊发日期")
    return ({"story": story[:200], "level": level, "published_on": published,
             "outlet": (form.get("outlet") or "").strip()[:200],
             "link": (form.get("link") or "").strip()[:500]}, problems)


def bonus_values(form: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """A bonus entry: kind, level (only where the kind has levels), note, date."""
    problems: list[str] = []
    kind = form.get("kind", "")
    level = form.get("level") or None
    if kind not in BONUS_KINDS:
        problems.append("请选择加分类别")
    elif BONUS_KINDS[kind] is None:
        level = None
    elif level not in BONUS_KINDS[kind]:
        words = "、".join(BONUS_LEVEL_WORDS[v] for v in BONUS_KINDS[kind])
        problems.append(f"{BONUS_WORDS[kind]}的级别应为 {words} 之一")
    when = optional_date(form.get("occurred_on"), problems, "日期")
    return ({"kind": kind, "level": level, "note": (form.get("note") or "").strip(),
             "occurred_on": when}, problems)


def deduction_values(form: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """A deduction: points (positive), kind, reason, date."""
    problems: list[str] = []
    try:
        points = Decimal((form.get("points") or "").strip())
        if not points.is_finite() or points <= 0 or points > 100:
            raise InvalidOperation
        points = points.quantize(Decimal("0.01"))
    except InvalidOperation:
        problems.append("扣分应为 0 到 100 之间的正数，例如 1 或 0.5")
        points = None
    kind = form.get("kind", "")
    if kind not in DEDUCTION_KINDS:
        problems.append("请选择扣分类别")
    reason = (form.get("reason") or "").strip()
    if not reason:
        problems.append("必须写明扣分原因")
    when = optional_date(form.get("occurred_on"), problems, "日期")
    return ({"points": points, "kind": kind, "reason": reason, "occurred_on": when},
            problems)
