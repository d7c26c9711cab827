"""Reading the console's forms into stored values, with the same rules as the spreadsheet.

Plain functions on a mapping of form fields (no Flask); each returns values or a list of
Chinese problems, one per bad field.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from bot.office.fact_fields import NUMBERS, Field, parse, points_entry, shown
from scoring import Rubric, fact_warnings
from scoring.numbers import fmt

EXCUSE_WORDS = {"waived": "豁免（事后）", "exempt": "免报（事先）"}
ENTRY_ROWS = 1   # blank rows a points fact's form offers beyond what is entered


def entry_key(field: Field, n: int, part: str) -> str:
    """The form's name of a points fact's n-th entry's points or reason."""
    return f"{field.key}-{n}-{part}"


def _form_entries(form: Mapping[str, str], field: Field) -> tuple | None:
    entries, n = [], 0
    while entry_key(field, n, "points") in form or entry_key(field, n, "reason") in form:
        points = (form.get(entry_key(field, n, "points")) or "").strip()
        reason = (form.get(entry_key(field, n, "reason")) or "").strip()
        if points or reason:
            entries.append(points_entry(field, points, reason))
        n += 1
    return tuple(entries) or None


def fact_values(form: Mapping[str, str],
                fields: Iterable[Field]) -> tuple[dict[str, Any], list[str]]:
    """Every field's typed value (blank: not entered, None), by key, or the problems."""
    values, problems = {}, []
    for field in fields:
        try:
            if field.type == "points":
                values[field.key] = _form_entries(form, field)
            else:
                values[field.key] = parse(field, form.get(field.key, ""))
        except ValueError as exc:
            typed = "" if field.type == "points" else f"，填的是「{form.get(field.key, '')}」"
            problems.append(f"{field.header}：{exc}{typed}")
    return values, problems


def warnings(rubric: Rubric, fields: Iterable[Field], values: Mapping[str, Any]) -> list[str]:
    """The rubric's cross-checks these typed values fail: warnings the office confirms."""
    return fact_warnings(rubric.facts, {f.fact: values.get(f.key) for f in fields
                                        if f.type in NUMBERS})


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


def story_values(form: Mapping[str, str],
                 levels: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """A media story: story, level (one of the stories fact's), published_on, outlet, link."""
    problems: list[str] = []
    story = (form.get("story") or "").strip()
    if not story:
        problems.append("稿件或项目名称不能为空")
    level = form.get("level", "")
    if level not in levels:
        problems.append("请选择媒体级别")
    published = optional_date(form.get("published_on"), problems, "刊发日期")
    return ({"story": story[:200], "level": level, "published_on": published,
             "outlet": (form.get("outlet") or "").strip()[:200],
             "link": (form.get("link") or "").strip()[:500]}, problems)


def bonus_values(form: Mapping[str, str], version: Rubric) -> tuple[dict[str, Any], list[str]]:
    """A bonus entry: kind, level (only where the kind has levels), note, date; its kind
    and level among those of the rubric version that scores the year."""
    problems: list[str] = []
    kinds, level_words = version.year.bonus, version.year.levels
    kind = form.get("kind", "")
    level = form.get("level") or None
    if kind not in kinds:
        problems.append("请选择加分类别")
    elif not kinds[kind].levels():
        level = None
    elif level not in kinds[kind].levels():
        words = "、".join(level_words.get(v, v) for v in kinds[kind].levels())
        problems.append(f"{kinds[kind].label}的级别应为 {words} 之一")
    when = optional_date(form.get("occurred_on"), problems, "日期")
    return ({"kind": kind, "level": level, "note": (form.get("note") or "").strip(),
             "occurred_on": when}, problems)


def deduction_values(form: Mapping[str, str],
                     version: Rubric) -> tuple[dict[str, Any], list[str]]:
    """A deduction: points (positive), kind (one of the version's), reason, date."""
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
    if kind not in version.year.deductions:
        problems.append("请选择扣分类别")
    reason = (form.get("reason") or "").strip()
    if not reason:
        problems.append("必须写明扣分原因")
    when = optional_date(form.get("occurred_on"), problems, "日期")
    return ({"points": points, "kind": kind, "reason": reason, "occurred_on": when},
            problems)


def form_rows(fields: Iterable[Field], typed: Mapping[str, Any],
              entered: Mapping[str, str] | None) -> list[dict[str, Any]]:
    """What the facts form shows of each field: its value as typed (after problems) or as
    stored; a points fact's entries (points, reason), with blank rows to add one."""
    rows = []
    for field in fields:
        row: dict[str, Any] = {"field": field, "value": "", "entries": []}
        if field.type == "points":
            if entered is not None:
                n = 0
                while entry_key(field, n, "points") in entered:
                    row["entries"].append((entered.get(entry_key(field, n, "points"), ""),
                                           entered.get(entry_key(field, n, "reason"), "")))
                    n += 1
            else:
                row["entries"] = [(fmt(p), r) for p, r in typed.get(field.key) or ()]
            row["entries"] = [e for e in row["entries"] if any(e)] + [("", "")] * ENTRY_ROWS
        elif entered is not None:
            row["value"] = entered.get(field.key, "")
        else:
            row["value"] = shown(field, typed.get(field.key))
        rows.append(row)
    return rows
