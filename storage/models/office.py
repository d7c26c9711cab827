"""What the office enters and what is sent for it: quarter fact values, media stories,
bonus and deduction entries, accounts and sign-in attempts, notices and undelivered
recipients, quarter totals by hand, holiday arrangements, the evidence packs the worker
builds."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import (JSON, BigInteger, Boolean, ForeignKey, Index, Integer,
                        Numeric, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column


from storage.models.base import Base


class QuarterFactValue(Base):
    """One fact the office entered for a unit's quarter, by the rubric's name for it; its
    value as the rubric's input reads it (JSON: true/false, an integer, a decimal as text,
    a grade's key, a list of {points, reason}; for a stories fact, true: the stories are
    counted, none being 0). A fact with no row is not entered yet."""

    __tablename__ = "quarter_fact_values"
    __table_args__ = (UniqueConstraint("unit_id", "quarter", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))


class MediaStory(Base):
    """One report of a unit's story in the media, at one level."""

    __tablename__ = "media_stories"
    __table_args__ = (Index("ix_media_stories_unit_quarter", "unit_id", "quarter"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    quarter: Mapped[str] = mapped_column(String(6))
    story: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    published_on: Mapped[Optional[date]]
    outlet: Mapped[str] = mapped_column(String(200), default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))


class BonusEntry(Base):
    """A bonus occurrence of the year (加分)."""

    __tablename__ = "bonus_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(30))
    level: Mapped[Optional[str]] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    occurred_on: Mapped[Optional[date]]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))


class Deduction(Base):
    """A discretionary deduction of the year (扣分), with its reason."""

    __tablename__ = "deductions"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int]
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[Optional[date]]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))


class AdminUser(Base):
    """An office account for /admin: role 'admin' may change things, 'viewer' only reads."""

    __tablename__ = "admin_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class LoginAttempt(Base):
    """Sign-in attempts, shared by every web process for rate limiting."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_name_at", "name", "at"),
                      Index("ix_login_attempts_ip_at", "ip", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(Boolean)


class Notice(Base):
    """The sent-log: one notice per kind, period, unit and channel, sent at most once."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    period: Mapped[str] = mapped_column(String(10), index=True)
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"))
    channel: Mapped[str] = mapped_column(String(20))
    recipients: Mapped[list] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[Optional[datetime]]


class QuarterTotal(Base):
    """A unit's quarter total entered by the office by hand (a quarter assessed outside
    the bot), with its reason; it stands for the quarter's total."""

    __tablename__ = "quarter_totals"
    __table_args__ = (UniqueConstraint("unit_id", "quarter"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    total: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    reason: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))


class UndeliveredRecipient(Base):
    """A recipient of a notice the platform answered it did not deliver to, and why."""

    __tablename__ = "undelivered_recipients"
    __table_args__ = (UniqueConstraint("notice_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    user_id: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)   # Chinese, naming the platform's field
    recorded_at: Mapped[datetime]


class HolidayArrangement(Base):
    """A year's 放假调休安排 as the office entered it; it decides that year's working days.

    holidays: [{"name": "春节", "first": "2027-02-05", "last": "2027-02-11"}, ...];
    workdays: ["2027-02-20", ...] (make-up working days).
    """

    __tablename__ = "holiday_arrangements"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holidays: Mapped[list] = mapped_column(JSON)
    workdays: Mapped[list] = mapped_column(JSON)
    entered_at: Mapped[datetime]
    entered_by: Mapped[str] = mapped_column(String(100))


class EvidencePack(Base):
    """An evidence pack (台账) the office asked for, built by the worker into a file under
    the file store's root (`path`, relative to it): its status ('queued', 'building',
    'ready', 'failed', 'removed'), how many units are written of how many, who asked and
    when, when it was done, its size, and the reason it failed. A ready pack stays for
    `[evidence] keep_pack_days`; then the worker removes the file and keeps the row."""

    __tablename__ = "evidence_packs"
    __table_args__ = (Index("ix_evidence_packs_quarter", "quarter", "requested_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    units_done: Mapped[int] = mapped_column(Integer, default=0)
    units_total: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime]
    started_at: Mapped[Optional[datetime]]
    finished_at: Mapped[Optional[datetime]]
    size_bytes: Mapped[Optional[int]] = mapped_column(BigInteger)
    path: Mapped[Optional[str]] = mapped_column(String(255))
    error: Mapped[Optional[str]] = mapped_column(Text)
    removed_at: Mapped[Optional[datetime]]
