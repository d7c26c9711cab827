"""The audit log's words: who did it, when (Asia/Shanghai), and every stored value in Chinese.

Pure functions on what the log stores and on `Names`, what the database knows of the ids in
it (units, liaisons, accounts, summary items), looked up once for a page, and what the
configured rubric calls the keys in it (facts, categories, bonus and deduction kinds:
bot/office/rubric_words.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping

from bot.messages import CHANNEL_WORDS
from bot.messages import KIND_WORDS as ITEM_WORDS
from bot.office.accounts import ROLE_WORDS
from bot.office.fact_fields import loaded, shown
from bot.office.rubric_words import RubricWords
from scoring import Month, Quarter, local

EXCUSE_WORDS = {"waived": "豁免", "exempt": "免报"}
OUTCOME_WORDS = {"sent": "已发送", "dry_run": "试运行，未发送", "refused": "不在提醒时段，未发送"}
NOTHING = "空"
_ISO_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?")


@dataclass(frozen=True)
class Names:
    """What the database knows of the ids an entry names, and what the configured rubric
    calls the keys it stores (a fact entered by a stories fact's flag also by the key
    entries written before issue 15's phase 2 used)."""

    units: Mapping[int, str] = field(default_factory=dict)
    liaisons: Mapping[str, str] = field(default_factory=dict)     # "channel:uid" -> name
    liaison_ids: Mapping[str, str] = field(default_factory=dict)  # "7" -> "channel:uid"
    accounts: Mapping[str, str] = field(default_factory=dict)     # "3" -> account name
    items: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # "9" -> (kind, month)
    rubric: RubricWords = field(default_factory=RubricWords)


def clock(at: datetime) -> str:
    """An instant as the office reads it: Shanghai time to the second."""
    try:
        return local(at).strftime("%Y-%m-%d %H:%M:%S")
    except OverflowError:   # the very end of the calendar has no local year after it
        return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def instant(text: str) -> str:
    """A stored ISO time in Shanghai time (a UTC instant in the values shows local)."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return text
    return clock(at) if at.tzinfo else at.strftime("%Y-%m-%d %H:%M:%S")


def unit_name(unit_id: Any, names: Names) -> str:
    """A unit as 「name」, or its number when the database no longer knows it."""
    try:
        key = int(unit_id)
    except (TypeError, ValueError):
        return "（未知单位）"
    return f"「{names.units.get(key, f'单位#{key}')}」"


def liaison(key: str, names: Names) -> str:
    """A liaison by "channel:uid" (or its record's id): its name if known, else the account."""
    key = names.liaison_ids.get(key, key)
    channel, _, uid = key.partition(":")
    if names.liaisons.get(key):
        return f"联络员{names.liaisons[key]}"
    if not uid:
        return f"联络员#{key}"
    return f"联络员 {uid}（{CHANNEL_WORDS.get(channel, channel)}）"


def who(actor: str, names: Names) -> str:
    """Who made the change, in words."""
    kind, _, rest = actor.partition(":")
    if kind == "liaison" and rest:
        return liaison(rest, names)
    if kind == "admin" and rest:
        return f"后台用户 {rest}"
    if kind == "cli" and rest:
        return f"命令行用户 {rest}"
    return {"demo": "演示程序", "bot": "机器人", "worker": "后台任务"}.get(actor, actor)


def size(n: int | None) -> str:
    """A file's size as the office reads it: 812 KB, 3.6 MB, 3.42 GB."""
    if n is None:
        return ""
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2)):
        if n >= scale:
            return f"{n / scale:.{2 if unit == 'GB' else 1}f} {unit}"
    return f"{max(1, round(n / 1024))} KB" if n else "0 KB"


def period(text: str) -> str:
    """A stored month, quarter or year in words (2026-03 → 2026年3月)."""
    for kind in (Month, Quarter):
        try:
            return kind.parse(text).label
        except ValueError:
            pass
    return f"{text}年" if text.isdigit() else text


def fact(name: str, value: Any, names: Names) -> str:
    """A rubric fact's value as the form shows it."""
    if value is None:
        return "未填"
    field = names.rubric.fields.get(name)
    if isinstance(value, bool) or field is None:
        return ("是" if value else "否") if isinstance(value, bool) else str(value)
    try:
        return shown(field, loaded(field, value))
    except (ArithmeticError, KeyError, TypeError, ValueError):
        return str(value)


_VALUE_WORDS: dict[str, Mapping[str, str]] = {"role": ROLE_WORDS, "outcome": OUTCOME_WORDS}
FIELD_WORDS = {
    "name": "名称", "category": "类别", "created_at": "登记时间", "reason": "原因",
    "kind": "类型", "year": "年度", "points": "扣分", "note": "备注", "level": "级别",
    "story": "稿件或项目", "published_on": "刊发日期", "outlet": "媒体", "link": "链接",
    "total": "总分", "display_name": "姓名", "unit_id": "单位", "unit": "单位",
    "withdrawn_at": "撤回时间", "month": "月份", "quarter": "季度", "expires_at": "有效期至",
    "code": "绑定码", "role": "角色", "active": "启用", "outcome": "结果", "units": "单位数",
    "liaisons": "联络员数", "forced": "时段外发送", "next_allowed": "下一个可发送时间",
    "holidays": "放假", "workdays": "调休上班", "stories": "媒体宣传", "path": "存储位置",
    "size_bytes": "字节数", "rejected_at": "退回时间", "removed_at": "删除时间",
    "filename": "文件名", "file_removed": "文件已删除",
}


def label(key: str, names: Names) -> str:
    """A stored field's name in words: the log's own words first, then the rubric's facts."""
    return FIELD_WORDS.get(key) or names.rubric.facts.get(key, key)


def value(name: str, item: Any, names: Names) -> str:
    """Any stored value in words: ids as names, codes as words, times in Shanghai time."""
    if name in names.rubric.facts:
        return fact(name, item, names)
    if item is None or item == "":
        return NOTHING
    if name == "unit_id":
        return unit_name(item, names)
    if name == "category":
        return names.rubric.categories.get(item, str(item))
    if name in _VALUE_WORDS:
        return _VALUE_WORDS[name].get(item, str(item))
    if isinstance(item, bool):
        return "是" if item else "否"
    if name in ("month", "quarter"):
        return period(str(item))
    if isinstance(item, str) and _ISO_INSTANT.fullmatch(item):
        return instant(item)
    if isinstance(item, (list, tuple)):
        return "、".join(value(name, v, names) for v in item) or NOTHING
    if isinstance(item, dict):
        return "，".join(f"{label(k, names)} {value(k, v, names)}" for k, v in item.items())
    return str(item)


def changes(old: Mapping | None, new: Mapping | None, names: Names,
            skip: tuple[str, ...] = ()) -> str:
    """What differs between old and new, field by field: 类别 县直部门 → 重点考核单位."""
    old, new = old or {}, new or {}
    parts = []
    for key in [*new, *(k for k in old if k not in new)]:
        if key in skip or old.get(key) == new.get(key):
            continue
        before, after = value(key, old.get(key), names), value(key, new.get(key), names)
        word = label(key, names)
        parts.append(f"{word} {after}" if key not in old else f"{word} {before} → {after}")
    return "；".join(parts)


def holidays(values: Mapping | None) -> str:
    """A year's arrangement in words: 春节 2027-02-05至2027-02-13；调休上班 2027-02-20."""
    values = values or {}
    days = [f"{h['name']} {_day(h['first'])}至{_day(h['last'])}"
            for h in values.get("holidays") or ()]
    work = "、".join(_day(d) for d in values.get("workdays") or ()) or "无"
    return f"{'、'.join(days) or '无放假'}；调休上班 {work}"


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except (TypeError, ValueError):
        return str(text)


def bonus(values: Mapping, names: Names) -> str:
    """A bonus entry's kind and level: 承接实地调研（省级）."""
    return names.rubric.bonus_entry(values.get("kind"), values.get("level"))


def deduction(values: Mapping, names: Names) -> str:
    """A deduction's kind: 服务敷衍、搞形式主义."""
    return names.rubric.deduction(values.get("kind"))


def story(values: Mapping, names: Names) -> str:
    """A media story: 「name」（省级，2026-03-01，人民网）."""
    levels = names.rubric.story_levels
    details = [levels.get(values.get("level"), values.get("level") or ""),
               values.get("published_on") or "", values.get("outlet") or ""]
    shown = "，".join(str(d) for d in details if d)
    return f"「{values.get('story', '')}」" + (f"（{shown}）" if shown else "")


def item(kind: str) -> str:
    """A summary item's kind: 文字, 图片, 文档."""
    return ITEM_WORDS.get(kind, "材料")
