"""Queries on the stored facts. Repositories never commit; the caller's unit of work does."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, joinedload

from storage.models import (AuditEntry, BindingCode, InboundMessage, Liaison, MonthExcuse,
                            MonthReview, QuarterFactValue, RejectedFile, StoredFile, SummaryItem,
                            Unit)


def audit(session: Session, at: datetime, actor: str, action: str, entity: str,
          entity_id: Any = None, old: Optional[dict] = None, new: Optional[dict] = None,
          unit_id: Optional[int] = None) -> None:
    """Append an entry to the audit log (the bot's writers go through bot.audit.record)."""
    session.add(AuditEntry(at=at, actor=actor, action=action, entity=entity,
                           entity_id=None if entity_id is None else str(entity_id),
                           old=old, new=new, unit_id=unit_id))


def unit_by_name(session: Session, name: str) -> Unit | None:
    """The unit with this exact name."""
    return session.scalars(select(Unit).where(Unit.name == name)).first()


def liaison(session: Session, channel: str, user_id: str) -> Liaison | None:
    """The liaison record of a platform user, bound or not."""
    return session.scalars(_LIAISON, {"channel": channel, "user_id": user_id}).first()


# Built once: every message looks its sender up, and building the statement costs
# about as much as running it.
_LIAISON = (select(Liaison).options(joinedload(Liaison.unit))
            .where(Liaison.channel == bindparam("channel"),
                   Liaison.platform_user_id == bindparam("user_id")))


@dataclass(frozen=True)
class UnitRef:
    """A unit as a message's handling reads it."""

    id: int
    name: str
    category: str
    registered_at: datetime  # when the unit came on the bot: earlier months are not judged


@dataclass(frozen=True)
class LiaisonRef:
    """A platform user as a message's handling reads it: plain values, not ORM objects."""

    id: int
    channel: str
    platform_user_id: str
    unit: UnitRef | None
    backfill_month: str | None
    backfill_set_at: datetime | None

    @classmethod
    def of(cls, liaison: Liaison, unit: Unit | None) -> "LiaisonRef":
        """The plain values of an ORM liaison and its unit."""
        ref = (UnitRef(unit.id, unit.name, unit.category, unit.created_at)
               if unit is not None else None)
        return cls(liaison.id, liaison.channel, liaison.platform_user_id, ref,
                   liaison.backfill_month, liaison.backfill_set_at)


def set_backfill(conn: Connection, liaison_id: int, month: str | None,
                 at: datetime | None) -> None:
    """Direct a liaison's materials to an earlier month from `at` (None: stop)."""
    conn.execute(
        update(Liaison.__table__).where(Liaison.__table__.c.id == liaison_id)
        .values(backfill_month=month, backfill_set_at=at))



def add_inbound(conn: Connection, row: dict[str, Any]) -> int:
    """Store a message given a value for every column but its id and error; its new id."""
    return conn.execute(_ADD_INBOUND, row).scalar_one()


def set_handled(conn: Connection, inbound_id: int, answered: dict[str, Any]) -> None:
    """Store a stored message's answer (replies, state, handled_at, payload)."""
    conn.execute(_SET_HANDLED, {"row_id": inbound_id, **answered})


def add_items(conn: Connection, items: list[dict[str, Any]]) -> None:
    """Store summary items, each given a value for every column but its id."""
    conn.execute(_ADD_ITEM, items if len(items) > 1 else items[0])


def add_rejected(conn: Connection, files: list[dict[str, Any]]) -> None:
    """Keep refused files as evidence (rejected_files rows)."""
    conn.execute(insert(RejectedFile), files)


def _insert_every_column(table, *leave_out: str):
    # A missing value fails loudly instead of storing NULL.
    return insert(table).values({c.name: bindparam(c.name) for c in table.c
                                 if c.name not in leave_out})


_INBOUND = InboundMessage.__table__
_ADD_INBOUND = _insert_every_column(_INBOUND, "id", "error").returning(_INBOUND.c.id)
_ADD_ITEM = _insert_every_column(SummaryItem.__table__, "id")
_SET_HANDLED = (update(_INBOUND).where(_INBOUND.c.id == bindparam("row_id"))
                .values(replies=bindparam("replies"), state=bindparam("state"),
                        handled_at=bindparam("handled_at"), payload=bindparam("payload")))


def inbound(session: Session, channel: str, msg_id: str) -> InboundMessage | None:
    """A stored inbound message by its platform id."""
    return session.scalars(select(InboundMessage).where(
        InboundMessage.channel == channel, InboundMessage.platform_msg_id == msg_id)).first()


def binding_code(session: Session, code: str) -> BindingCode | None:
    """A binding code, whatever its state."""
    return session.scalars(select(BindingCode).where(BindingCode.code == code)).first()


def last_item_by(session: Session, liaison_id: int) -> SummaryItem | None:
    """The newest item in effect that this liaison added."""
    return session.scalars(
        select(SummaryItem)
        .where(SummaryItem.liaison_id == liaison_id, SummaryItem.withdrawn_at.is_(None))
        .order_by(SummaryItem.received_at.desc(), SummaryItem.id.desc())).first()


def excuse(session: Session, unit_id: int, month: str) -> MonthExcuse | None:
    """The office's waiver or exemption of a unit's month, if any."""
    return session.scalars(select(MonthExcuse).where(MonthExcuse.unit_id == unit_id,
                                                     MonthExcuse.month == month)).first()


def item_marks(session: Session, first: str, last: str) -> dict[str, tuple]:
    """Each month's mark from `first` to `last`: how many summary items it has, the largest
    id and the ids summed, their characters summed and how many are withdrawn. Items are
    never deleted, so an item added, withdrawn, moved to another month or given its
    document's text changes the marks of the months it concerns."""
    si = SummaryItem.__table__.c
    return {month: tuple(mark) for month, *mark in session.execute(
        select(si.month, func.count(), func.max(si.id), func.sum(si.id), func.sum(si.chars),
               func.count(si.withdrawn_at))
        .where(si.month.between(first, last)).group_by(si.month))}


def review_marks(session: Session, first: str, last: str) -> dict[str, tuple]:
    """Each month's mark of the office's reviews (returns, 已审核) from `first` to `last`:
    how many and the largest id (a review row is never changed)."""
    r = MonthReview.__table__.c
    return {month: tuple(mark) for month, *mark in session.execute(
        select(r.month, func.count(), func.max(r.id))
        .where(r.month.between(first, last)).group_by(r.month))}


def fact_marks(session: Session, quarter: str, audited: str) -> tuple:
    """A mark of the office's facts of a quarter: how many, the largest id, the latest
    change, and the largest id of the audit log's entries of `audited` (the entity every
    change of a fact writes, in the same transaction: bot/audit.py). A fact entered or
    removed changes the first two; one changed in place its time, and always the last."""
    v = QuarterFactValue.__table__.c
    return tuple(session.execute(
        select(func.count(v.id), func.max(v.id), func.max(v.updated_at),
               select(func.max(AuditEntry.id)).where(AuditEntry.entity == audited)
               .scalar_subquery())
        .where(v.quarter == quarter)).one())


def month_excuses(session: Session, first: str, last: str
                  ) -> dict[str, dict[int, tuple[str, str]]]:
    """The office's waivers and exemptions of the months from `first` to `last`: by month,
    each unit's (kind, reason)."""
    found: dict[str, dict[int, tuple[str, str]]] = {}
    for unit_id, month, kind, reason in session.execute(
            select(MonthExcuse.unit_id, MonthExcuse.month, MonthExcuse.kind, MonthExcuse.reason)
            .where(MonthExcuse.month.between(first, last))):
        found.setdefault(month, {})[unit_id] = (kind, reason)
    return found


def file_by_sha(session: Session, sha256: str) -> StoredFile | None:
    """A stored file by its content hash."""
    return session.scalars(select(StoredFile).where(StoredFile.sha256 == sha256)).first()


def units(session: Session) -> list[Unit]:
    """Every unit, by name."""
    return list(session.scalars(select(Unit).order_by(Unit.id)))


def console_liaisons(session: Session) -> list[tuple[str, str]]:
    """(user id, unit name) of every console liaison, for the console's picker."""
    rows = session.execute(
        select(Liaison.platform_user_id, Unit.name)
        .join(Unit, Unit.id == Liaison.unit_id, isouter=True)
        .where(Liaison.channel == "console").order_by(Unit.id, Liaison.id))
    return [(uid, name or "") for uid, name in rows]
