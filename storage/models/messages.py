"""What arrives and what is kept of it: units and their liaisons, messages, files,
summary items, excuses, the audit log, work items, tokens and the outbox."""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import (JSON, BigInteger, Boolean, ForeignKey, Index, Integer,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship


from storage.models.base import Base


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    liaisons: Mapped[list["Liaison"]] = relationship(back_populates="unit")


class Liaison(Base):
    """A platform user; bound to one unit at a time (unit_id None: not bound)."""

    __tablename__ = "liaisons"
    __table_args__ = (UniqueConstraint("channel", "platform_user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")   # the office's
    phone: Mapped[str] = mapped_column(String(30), default="", server_default="")
    # The name the platform shows for the account (DingTalk senderNick, WeCom user/get).
    platform_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    backfill_month: Mapped[Optional[str]] = mapped_column(String(7))
    backfill_set_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime]

    unit: Mapped[Optional[Unit]] = relationship(back_populates="liaisons")


class BindingCode(Base):
    __tablename__ = "binding_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[Optional[datetime]]
    used_by_liaison_id: Mapped[Optional[int]] = mapped_column(ForeignKey("liaisons.id"))


class InboundMessage(Base):
    """Everything a platform delivered, stored before it is acknowledged."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "platform_msg_id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    platform_msg_id: Mapped[str] = mapped_column(String(128))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[Optional[str]] = mapped_column(Text)
    blob_path: Mapped[Optional[str]] = mapped_column(String(255))
    filename: Mapped[Optional[str]] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sent_at: Mapped[Optional[datetime]]
    received_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default="received")
    replies: Mapped[Optional[list]] = mapped_column(JSON)
    error: Mapped[Optional[str]] = mapped_column(Text)
    handled_at: Mapped[Optional[datetime]]


class StoredFile(Base):
    """A photo or document, content-addressed by SHA-256."""

    __tablename__ = "files"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(String(255))
    thumb_path: Mapped[Optional[str]] = mapped_column(String(255))
    filename: Mapped[Optional[str]] = mapped_column(String(255))
    width: Mapped[Optional[int]]
    height: Mapped[Optional[int]]
    taken_at: Mapped[Optional[datetime]]
    phash: Mapped[Optional[str]] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime]


class RejectedFile(Base):
    """A received photo or document the bot refused (broken, another type, over the
    limits), kept as evidence: the office downloads it from the unit page until
    `[files] keep_rejected_days` have passed; then the worker removes the file (if no
    other message needs its bytes) and sets `removed_at`. `path` is the received file's
    (the inbound message's blob_path)."""

    __tablename__ = "rejected_files"
    __table_args__ = (Index("ix_rejected_files_unit_month", "unit_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("inbound_messages.id"),
        unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    liaison_id: Mapped[Optional[int]] = mapped_column(ForeignKey("liaisons.id"))
    month: Mapped[str] = mapped_column(String(7))      # the month it would have gone to
    kind: Mapped[str] = mapped_column(String(20))      # 'photo' or 'document'
    path: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    filename: Mapped[Optional[str]] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)          # what the liaison was told, in Chinese
    sent_at: Mapped[datetime]
    rejected_at: Mapped[datetime]
    removed_at: Mapped[Optional[datetime]]


class SummaryItem(Base):
    """One piece of a unit's monthly summary: text, photo or document."""

    __tablename__ = "summary_items"
    # Covers a unit's month in send order: summing it reads the index alone.
    # ... and every unit's month, with its mark (bot/month_books.py), the index alone too.
    __table_args__ = (Index("ix_summary_items_unit_month_sent", "unit_id", "month", "sent_at",
                            "kind", "chars", "withdrawn_at"),
                      Index("ix_summary_items_month", "month", "unit_id", "kind", "chars",
                            "sent_at", "withdrawn_at", "id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[Optional[str]] = mapped_column(Text)
    chars: Mapped[int] = mapped_column(Integer, default=0)
    file_id: Mapped[Optional[int]] = mapped_column(ForeignKey("files.id"))
    liaison_id: Mapped[Optional[int]] = mapped_column(ForeignKey("liaisons.id"))
    inbound_id: Mapped[Optional[int]] = mapped_column(ForeignKey("inbound_messages.id"),
                                                      unique=True)
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime]
    withdrawn_at: Mapped[Optional[datetime]]

    file: Mapped[Optional[StoredFile]] = relationship()
    inbound: Mapped[Optional[InboundMessage]] = relationship()


class MonthExcuse(Base):
    """The office excused a unit's month: 'waived' afterwards, 'exempt' in advance."""

    __tablename__ = "month_excuses"
    __table_args__ = (UniqueConstraint("unit_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    # the latest entry of a kind in one lookup (storage.queries.fact_marks)
    __table_args__ = (Index("ix_audit_log_entity", "entity", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[Optional[str]] = mapped_column(String(50))
    old: Mapped[Optional[dict[str, Any]]]
    new: Mapped[Optional[dict[str, Any]]]
    # The unit the change concerns, if any (no foreign key: the log outlives what it names).
    unit_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)


class WorkItem(Base):
    """Durable slow work: done once, retried with backoff, survives restarts.

    `priority`: lower is claimed first (storage/queue.py: PROMPT answers, BULK downloads).
    """

    __tablename__ = "work_items"
    __table_args__ = (Index("ix_work_items_due", "state", "priority", "run_after"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedup_key: Mapped[Optional[str]] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=6)
    run_after: Mapped[datetime]
    locked_by: Mapped[Optional[str]] = mapped_column(String(100))
    locked_until: Mapped[Optional[datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[Optional[datetime]]


class PlatformToken(Base):
    """An access token shared by every process (WeCom gettoken, DingTalk accessToken)."""

    __tablename__ = "platform_tokens"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message to push to a liaison later (work finished after the callback answered)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "channel", "user_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    receipt: Mapped[Optional[dict]] = mapped_column(JSON)   # a receipt's fields (bot.messages)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime]
    sent_at: Mapped[Optional[datetime]]
    error: Mapped[Optional[str]] = mapped_column(Text)
