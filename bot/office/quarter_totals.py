"""Quarter totals the office enters by hand (a quarter assessed outside the bot), each with
its reason and an audit entry. The CLI, the console and the facts spreadsheet all go
through these functions.

A hand-entered total stands for the quarter: facts entered for the same quarter are kept
but no longer scored item by item (the breakdown is shown as not applicable).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from scoring import Quarter
from storage.models import QuarterTotal, Unit

MAX_TOTAL = Decimal("1000")  # media points are uncapped; the bound only catches typos


def parse_total(value: Any) -> Decimal:
    """A total as typed (86.5); raise ValueError with the rule in Chinese."""
    try:
        total = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("总分应填数字，例如 86.5") from None
    if not total.is_finite() or total < 0 or total >= MAX_TOTAL:
        raise ValueError("总分应在0到1000之间")
    if total != total.quantize(Decimal("0.01")):
        raise ValueError("总分最多两位小数")
    return total.quantize(Decimal("0.01"))


def clean_reason(text: str | None) -> str:
    """The reason, trimmed; raise ValueError when there is none."""
    reason = (text or "").strip()
    if not reason:
        raise ValueError("手工录入总分必须写明原因")
    return reason


def hand_total(session: Session, unit_id: int, quarter: Quarter) -> QuarterTotal | None:
    """The unit's hand-entered total of the quarter, if any."""
    return session.scalars(select(QuarterTotal).where(
        QuarterTotal.unit_id == unit_id, QuarterTotal.quarter == str(quarter))).first()


def _shown(row: QuarterTotal | None) -> dict[str, str] | None:
    return None if row is None else {"total": str(row.total), "reason": row.reason}


def set_total(session: Session, unit: Unit, quarter: Quarter, total: Decimal, reason: str,
              at: datetime, actor: str) -> bool:
    """Enter or change the unit's quarter total by hand; audited. False when unchanged."""
    row = hand_total(session, unit.id, quarter)
    old = _shown(row)
    new = {"total": str(total), "reason": reason}
    if old == new:
        return False
    if row is None:
        row = QuarterTotal(unit_id=unit.id, quarter=str(quarter))
        session.add(row)
    row.total, row.reason, row.updated_at, row.updated_by = total, reason, at, actor
    session.flush()
    audit.record(session, at, actor, audit.TOTAL_SET if old is None else audit.TOTAL_UPDATED,
                 f"{unit.id}:{quarter}", old, {"unit": unit.name, **new}, unit_id=unit.id)
    return True


def remove_total(session: Session, unit: Unit, quarter: Quarter, at: datetime,
                 actor: str) -> bool:
    """Remove the unit's hand-entered quarter total; audited. False when there was none."""
    row = hand_total(session, unit.id, quarter)
    if row is None:
        return False
    audit.record(session, at, actor, audit.TOTAL_DELETED, f"{unit.id}:{quarter}",
                 {"unit": unit.name, **_shown(row)}, None, unit_id=unit.id)
    session.delete(row)
    session.flush()
    return True


def read_cells(total: Any, reason: Any) -> tuple[Decimal, str] | None:
    """The facts spreadsheet's two cells (手工录入总分, 手工录入原因): a total with its
    reason, or None when both are blank (no hand-entered total). Raises ValueError."""
    blank_total = total is None or not str(total).strip()
    blank_reason = reason is None or not str(reason).strip()
    if blank_total and blank_reason:
        return None
    if blank_total:
        raise ValueError("填写了原因但没有总分")
    return parse_total(total), clean_reason(None if blank_reason else str(reason))


def apply_totals(session: Session, entries: list[tuple[Unit, Quarter, Any]], at: datetime,
                 actor: str) -> set[tuple[int, str]]:
    """Set or remove each (unit, quarter, (total, reason) or None); return what changed."""
    changed = set()
    for unit, quarter, entry in entries:
        done = (remove_total(session, unit, quarter, at, actor) if entry is None
                else set_total(session, unit, quarter, *entry, at, actor))
        if done:
            changed.add((unit.id, str(quarter)))
    return changed


def shown_cells(row: QuarterTotal | None) -> list[Any]:
    """A hand-entered total as the spreadsheet shows it (two cells)."""
    if row is None:
        return [None, None]
    return [float(row.total), row.reason]
