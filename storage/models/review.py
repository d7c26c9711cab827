"""The office's review of a unit's month (a return with its reason, or the 已审核 mark) and
the liaisons' appeals (申诉) with the office's decision."""

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class MonthReview(Base):
    """One review of a unit's month: 'returned' (退回: the materials do not do; `reasons`
    the pick list's keys, `reason` the whole reason as the liaison reads it) or 'reviewed'
    (已审核). Rows are never changed: the month's history is all of them in time order."""

    __tablename__ = "month_reviews"
    __table_args__ = (Index("ix_month_reviews_unit_month", "unit_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(100))


class Appeal(Base):
    """A liaison's appeal (申诉) about a unit's month, and the office's decision: state
    'open', 'waived' (the month waived, through the waiver path) or 'kept'."""

    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_state", "state"),
                      Index("ix_appeals_unit_month", "unit_id", "month"))
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    liaison_id: Mapped[Optional[int]] = mapped_column(ForeignKey("liaisons.id"))
    month: Mapped[str] = mapped_column(String(7))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(10), default="open")
    decision_reason: Mapped[Optional[str]] = mapped_column(Text)
    decided_at: Mapped[Optional[datetime]]
    decided_by: Mapped[Optional[str]] = mapped_column(String(100))
