"""Every kind of change the audit log records, and the one way to record one.

A writer names its change by a constant of this module (`UNIT_CREATED`, `EXCUSES["waived"]`
…) instead of spelling the action and the entity: every (action, entity) pair the log holds
is listed here, with the kind of change the office filters by. The office's sentences
(bot/office/audit_sentences.py) have one wording per change here, and a test fails when
one is missing. `unit_id` is the unit the change concerns, when there is one: the log's
unit filter reads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage import queries

# The kinds of change the office filters by (审计日志 › 类别).
UNITS = "单位与联络员"
EXCUSE = "豁免与免报"
FACTS = "考核事实与媒体宣传"
YEAR = "加分与扣分"
TOTALS = "手工录入总分"
MATERIALS = "报送材料"
CALENDAR = "节假日安排"
ACCOUNTS = "后台账号"
REMINDERS = "提醒"
PACKS = "台账"
REVIEW = "审核与申诉"
KINDS = (UNITS, EXCUSE, FACTS, YEAR, TOTALS, MATERIALS, CALENDAR, ACCOUNTS, REMINDERS, PACKS,
         REVIEW)


@dataclass(frozen=True)
class Change:
    """One kind of audit entry: its action and entity as stored, its kind of change."""

    action: str
    entity: str
    kind: str


CHANGES: dict[tuple[str, str], Change] = {}


def _change(action: str, entity: str, kind: str) -> Change:
    change = Change(action, entity, kind)
    assert (action, entity) not in CHANGES, (action, entity)
    CHANGES[(action, entity)] = change
    return change


UNIT_CREATED = _change("create", "unit", UNITS)
UNIT_UPDATED = _change("update", "unit", UNITS)
LIAISON_BOUND = _change("bind", "liaison", UNITS)
LIAISON_MOVED = _change("move", "liaison", UNITS)
LIAISON_UNBOUND = _change("unbind", "liaison", UNITS)
LIAISON_UPDATED = _change("update", "liaison", UNITS)      # the person's name or phone
CODE_ISSUED = _change("issue", "binding_code", UNITS)
EXCUSES = {kind: _change(kind, "month_excuse", EXCUSE) for kind in ("waived", "exempt")}
EXCUSE_REMOVED = _change("remove", "month_excuse", EXCUSE)
FACTS_SET = _change("facts", "quarter_facts", FACTS)
STORIES_IMPORTED = _change("media", "media_stories", FACTS)  # rubric-scan: an audit action
STORY_ADDED = _change("create", "media_story", FACTS)
STORY_DELETED = _change("delete", "media_story", FACTS)
BONUS_ADDED = _change("create", "bonus_entry", YEAR)
BONUS_DELETED = _change("delete", "bonus_entry", YEAR)
DEDUCTION_ADDED = _change("create", "deduction", YEAR)
DEDUCTION_DELETED = _change("delete", "deduction", YEAR)
TOTAL_SET = _change("set", "quarter_total", TOTALS)
TOTAL_UPDATED = _change("update", "quarter_total", TOTALS)
TOTAL_DELETED = _change("delete", "quarter_total", TOTALS)
ITEM_WITHDRAWN = _change("withdraw", "summary_item", MATERIALS)
ITEM_REFILED = _change("refile", "summary_item", MATERIALS)
REJECTED_FILE_EXPIRED = _change("expire", "rejected_file", MATERIALS)
ARRANGEMENT_CREATED = _change("create", "holiday_arrangement", CALENDAR)
ARRANGEMENT_UPDATED = _change("update", "holiday_arrangement", CALENDAR)
ARRANGEMENT_DELETED = _change("delete", "holiday_arrangement", CALENDAR)
ACCOUNT_CREATED = _change("create", "admin_user", ACCOUNTS)
ACCOUNT_PASSWORD = _change("password", "admin_user", ACCOUNTS)
ACCOUNT_DEACTIVATED = _change("deactivate", "admin_user", ACCOUNTS)
MANUAL_REMINDER = _change("remind", "manual_reminder", REMINDERS)
PACK_REQUESTED = _change("request", "evidence_pack", PACKS)
PACK_DOWNLOADED = _change("download", "evidence_pack", PACKS)
PACK_EXPIRED = _change("expire", "evidence_pack", PACKS)
UNIT_PACK_DOWNLOADED = _change("download", "unit_pack", PACKS)
MONTH_RETURNED = _change("return", "month_review", REVIEW)
MONTH_REVIEWED = _change("review", "month_review", REVIEW)
APPEAL_FILED = _change("create", "appeal", REVIEW)
APPEAL_DECIDED = {state: _change(action, "appeal", REVIEW)
                  for state, action in (("waived", "waive"), ("kept", "keep"))}


def of_kind(kind: str) -> list[Change]:
    """The changes of one kind, as the filter selects them."""
    return [c for c in CHANGES.values() if c.kind == kind]


def record(session: Session, at: datetime, actor: str, change: Change, entity_id: Any = None,
           old: dict | None = None, new: dict | None = None, *, unit_id: int | None = None) -> None:
    """Append an entry to the audit log: who, when, which change, the old and the new value."""
    if CHANGES.get((change.action, change.entity)) != change:
        raise ValueError(f"{change} is not a registered change (bot/audit.py)")
    queries.audit(session, at, actor, change.action, change.entity, entity_id, old, new,
                  unit_id=unit_id)
