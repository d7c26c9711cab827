"""Each audit entry as one Chinese sentence: when (Shanghai time), who, what, on which unit
and period, the old and the new value in words.

`sentence(entry, names)` is pure: the entry as stored, and what the database knows of the
ids it names. Every change of bot/audit.py has its wording in WORDINGS (a test checks it);
an entry the wording can't read (older values, an unknown kind) still gets a sentence, with
its fields compared one by one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from bot import audit
from bot.office.audit_review_words import WORDINGS as REVIEW_WORDINGS
from bot.office.audit_words import (EXCUSE_WORDS, Names, bonus, changes, clock, deduction,
                                    holidays, instant, item, liaison, period, size, story,
                                    unit_name, value, who)


@dataclass(frozen=True)
class Line:
    """An entry as the page and the export show it."""

    at: str          # Shanghai time to the second
    who: str
    unit: str        # the unit's name, or ""
    kind: str        # the kind of change (bot.audit.KINDS), or ""
    sentence: str


@dataclass(frozen=True)
class Seen:
    """An entry as a wording reads it: values never None, the unit and period in words."""

    entry: Any
    names: Names

    @property
    def old(self) -> dict:
        return self.entry.old if isinstance(self.entry.old, dict) else {}

    @property
    def new(self) -> dict:
        return self.entry.new if isinstance(self.entry.new, dict) else {}

    @property
    def key(self) -> str:
        return self.entry.entity_id or ""

    @property
    def unit_id(self) -> int | None:
        """The unit the entry concerns: its column, else what its values or id say."""
        if self.entry.unit_id is not None:
            return self.entry.unit_id
        for values in (self.new, self.old):
            if isinstance(values.get("unit_id"), int):
                return values["unit_id"]
        head = self.key.partition(":")[0]
        if ":" in self.key and head.isdigit():
            return int(head)
        return int(self.key) if self.entry.entity == "unit" and self.key.isdigit() else None

    @property
    def unit_label(self) -> str:
        """The unit's name as the database knows it (else as the entry stored it), or ""."""
        if self.unit_id in self.names.units:
            return self.names.units[self.unit_id]
        named = self.new.get("unit") or self.old.get("unit")
        if isinstance(named, str) and named:
            return named
        return "" if self.unit_id is None else f"单位#{self.unit_id}"

    @property
    def unit(self) -> str:
        """The unit in a sentence: 「县委党校」."""
        label = self.unit_label
        return f"「{label}」" if label else "（未知单位）"

    @property
    def period(self) -> str:
        """The month or quarter of an id like "3:2026-11" in words (2026年11月)."""
        return period(self.key.partition(":")[2])


def _year(values: dict) -> str:
    return f"{values.get('year')}年度"


def _excuse(s: Seen) -> str:
    text = f"将{s.unit}{s.period}设为{EXCUSE_WORDS[s.entry.action]}，原因：{s.new['reason']}"
    if s.old:
        text += f"（原为{EXCUSE_WORDS.get(s.old['kind'], s.old['kind'])}，原因：{s.old['reason']}）"
    return text


def _excuse_removed(s: Seen) -> str:
    return (f"撤销{s.unit}{s.period}的{EXCUSE_WORDS.get(s.old['kind'], s.old['kind'])}"
            f"（原因：{s.old['reason']}）")


def _unit_created(s: Seen) -> str:
    return f"新增单位「{s.new['name']}」（{value('category', s.new.get('category'), s.names)}）"


def _bound(s: Seen) -> str:
    target = unit_name(s.new["unit_id"], s.names)
    if s.new.get("code"):
        text = f"用绑定码 {s.new['code']} 绑定到{target}"
    else:
        text = f"将{liaison(s.key, s.names)}绑定到{target}"
    if s.old.get("unit_id") and s.old["unit_id"] != s.new["unit_id"]:
        text += f"（原属{unit_name(s.old['unit_id'], s.names)}）"
    return text + _person(s)


def _person(s: Seen) -> str:
    """，姓名记为「张三」，电话记为「138…」: what the entry changed of the person."""
    text = ""
    for field, word in (("display_name", "姓名"), ("phone", "电话"),
                        ("platform_name", "平台上的名字")):
        if s.new.get(field) and s.new[field] != s.old.get(field):
            text += f"，{word}记为「{s.new[field]}」"
    return text


def _person_updated(s: Seen) -> str:
    return f"更新{liaison(s.key, s.names)}（{s.unit_label or '未绑定单位'}）的信息" + (
        _person(s) or "，没有改动")


def _moved(s: Seen) -> str:
    return (f"将{liaison(s.key, s.names)}从{unit_name(s.old['unit_id'], s.names)}"
            f"转到{unit_name(s.new['unit_id'], s.names)}")


def _unbound(s: Seen) -> str:
    return f"解除{liaison(s.key, s.names)}与{unit_name(s.old['unit_id'], s.names)}的绑定"


def _facts(s: Seen) -> str:
    verb = "修改" if s.old else "录入"
    return f"{verb}{s.unit}{s.period}的考核事实：{changes(s.old, s.new, s.names) or '没有改动'}"


def _stories(s: Seen) -> str:
    stories = s.new["stories"]
    if not stories:
        return f"清空{s.unit}{s.period}的媒体宣传"
    return (f"导入{s.unit}{s.period}的媒体宣传 {len(stories)} 条："
            + "、".join(story(one, s.names) for one in stories))


def _bonus_added(s: Seen) -> str:
    note = f"，备注：{s.new['note']}" if s.new.get("note") else ""
    return f"为{s.unit}{_year(s.new)}加分：{bonus(s.new, s.names)}{note}"


def _deduction_added(s: Seen) -> str:
    points = f"扣 {s.new['points']} 分" if s.new.get("points") else "扣分"
    reason = f"，原因：{s.new['reason']}" if s.new.get("reason") else ""
    return f"为{s.unit}{_year(s.new)}{points}：{deduction(s.new, s.names)}{reason}"


def _deduction_deleted(s: Seen) -> str:
    reason = f"（原因：{s.old['reason']}）" if s.old.get("reason") else ""
    return f"删除{s.unit}{_year(s.old)}的扣分 {s.old.get('points', '')} 分：{deduction(s.old, s.names)}{reason}"


def _total_updated(s: Seen) -> str:
    return f"修改{s.unit}{s.period}的手工录入：{changes(s.old, s.new, s.names, ('unit',))}"


def _withdrawn(s: Seen) -> str:
    kind, month = s.names.items.get(s.key, ("", ""))
    return f"撤回{s.unit}{period(month) if month else ''}的一条{item(kind)}"


def _refiled(s: Seen) -> str:
    kind, _ = s.names.items.get(s.key, ("", ""))
    return (f"将{s.unit}的一条{item(kind)}从{period(s.old['month'])}"
            f"改记入{period(s.new['month'])}")


def _expired(s: Seen) -> str:
    kind, month = s.old.get("kind", ""), s.old.get("month")
    name = f"「{s.old['filename']}」" if s.old.get("filename") else ""
    text = (f"删除{s.unit}{period(month) if month else ''}被退回的一份{item(kind)}{name}"
            f"（{instant(s.old['rejected_at'])} 退回，保留期已过）")
    return text if s.new["file_removed"] else text + "，同样的内容另有使用，文件本身保留"


def _account(s: Seen) -> str:
    return f"「{s.new.get('name') or s.names.accounts.get(s.key) or '#' + s.key}」"


def _reminder(s: Seen) -> str:
    outcome = s.new["outcome"]
    verb = {"sent": "手动发送", "dry_run": "试运行"}.get(outcome, "尝试手动发送")
    text = (f"{verb}{period(s.key)}小结提醒：{s.new['units']} 个单位、"
            f"{s.new['liaisons']} 名联络员")
    if s.new.get("skipped"):
        text += f"（今天已提醒过的 {s.new['skipped']} 个单位不再提醒）"
    if outcome == "dry_run":
        return text + "，没有发送"
    if outcome == "refused":
        later = s.new.get("next_allowed")
        return text + "，不在提醒时段，没有发送" + (f"（下一个可发送时间 {instant(later)}）"
                                                  if later else "")
    return text + ("（在提醒时段外发送）" if s.new.get("forced") else "")


def _pack(values: dict, key: str) -> str:
    return f"{period(values.get('quarter', ''))}全部单位台账（证据包 #{key}"


def _pack_expired(s: Seen) -> str:
    return (f"删除{_pack(s.old, s.key)}，{size(s.old.get('size_bytes'))}，"
            f"{instant(s.old['finished_at'])} 生成，保留期已过）")


WORDINGS: dict[audit.Change, Callable[[Seen], str]] = {
    audit.UNIT_CREATED: _unit_created,
    audit.UNIT_UPDATED: lambda s: f"修改单位{s.unit}：{changes(s.old, s.new, s.names)}",
    audit.LIAISON_BOUND: _bound,
    audit.LIAISON_MOVED: _moved,
    audit.LIAISON_UNBOUND: _unbound,
    audit.LIAISON_UPDATED: _person_updated,
    audit.CODE_ISSUED: lambda s: f"为{s.unit}生成绑定码，有效至 {instant(s.new['expires_at'])}",
    audit.EXCUSES["waived"]: _excuse,
    audit.EXCUSES["exempt"]: _excuse,
    audit.EXCUSE_REMOVED: _excuse_removed,
    audit.FACTS_SET: _facts,
    audit.STORIES_IMPORTED: _stories,
    audit.STORY_ADDED: lambda s: (f"为{s.unit}{period(s.new['quarter'])}添加媒体宣传"
                                  f"{story(s.new, s.names)}"),
    audit.STORY_DELETED: lambda s: (f"删除{s.unit}{period(s.old['quarter'])}的媒体宣传"
                                    f"{story(s.old, s.names)}"),
    audit.BONUS_ADDED: _bonus_added,
    audit.BONUS_DELETED: lambda s: f"删除{s.unit}{_year(s.old)}的加分：{bonus(s.old, s.names)}",
    audit.DEDUCTION_ADDED: _deduction_added,
    audit.DEDUCTION_DELETED: _deduction_deleted,
    audit.TOTAL_SET: lambda s: (f"手工录入{s.unit}{s.period}的总分 {s.new['total']}，"
                                f"原因：{s.new['reason']}"),
    audit.TOTAL_UPDATED: _total_updated,
    audit.TOTAL_DELETED: lambda s: (f"删除{s.unit}{s.period}手工录入的总分 {s.old['total']}"
                                    f"（原因：{s.old['reason']}），改回按考核事实计分"),
    audit.ITEM_WITHDRAWN: _withdrawn,
    audit.ITEM_REFILED: _refiled,
    audit.REJECTED_FILE_EXPIRED: _expired,
    audit.ARRANGEMENT_CREATED: lambda s: f"录入{s.key}年放假调休安排：{holidays(s.new)}",
    audit.ARRANGEMENT_UPDATED: lambda s: (f"修改{s.key}年放假调休安排：{holidays(s.new)}"
                                          f"（原为：{holidays(s.old)}）"),
    audit.ARRANGEMENT_DELETED: lambda s: (f"删除{s.key}年放假调休安排（原为：{holidays(s.old)}），"
                                          "改按法定日历和配置文件判断"),
    audit.ACCOUNT_CREATED: lambda s: (f"新建后台账号{_account(s)}"
                                      f"（{value('role', s.new.get('role'), s.names)}）"),
    audit.ACCOUNT_PASSWORD: lambda s: f"修改后台账号{_account(s)}的密码",
    audit.ACCOUNT_DEACTIVATED: lambda s: f"停用后台账号{_account(s)}",
    audit.MANUAL_REMINDER: _reminder,
    audit.PACK_REQUESTED: lambda s: f"申请生成{_pack(s.new, s.key)}）",
    audit.PACK_DOWNLOADED: lambda s: f"下载{_pack(s.new, s.key)}，{size(s.new.get('size_bytes'))}）",
    audit.PACK_EXPIRED: _pack_expired,
    audit.UNIT_PACK_DOWNLOADED: lambda s: f"下载{s.unit}{s.period}的台账",
    **REVIEW_WORDINGS,
}


def what(entry, names: Names) -> str:
    """What the entry says was done, in words (without who and when)."""
    seen = Seen(entry, names)
    change = audit.CHANGES.get((entry.action, entry.entity))
    wording = WORDINGS.get(change)
    if wording is not None:
        try:
            return wording(seen)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass   # values of another shape (an older writer): compared field by field below
    detail = changes(seen.old, seen.new, names) or "没有记录改动的内容"
    subject = seen.unit if seen.unit_label else (entry.entity_id or "")
    return f"记录了一项变更（{entry.action} {entry.entity} {subject}）：{detail}"


def sentence(entry, names: Names) -> str:
    """The whole entry in one sentence: 2026-03-20 10:00:00，后台用户 chief 将…。"""
    return _sentence(entry, names, clock(entry.at), who(entry.actor, names))


def _sentence(entry, names: Names, at: str, person: str) -> str:
    gap = " " if person[-1:].isascii() and person[-1:].isalnum() else ""
    return f"{at}，{person}{gap}{what(entry, names)}。"


def line(entry, names: Names) -> Line:
    """The entry for the page and the export."""
    change = audit.CHANGES.get((entry.action, entry.entity))
    at, person = clock(entry.at), who(entry.actor, names)
    return Line(at, person, Seen(entry, names).unit_label, change.kind if change else "",
                _sentence(entry, names, at, person))
