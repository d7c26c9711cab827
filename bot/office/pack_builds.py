"""The all-units evidence pack, built by the worker: a quarter of a hundred units' photos
is gigabytes, minutes of work, past any web request's (or reverse proxy's) timeout.

The office asks (`request_pack`: a row, a work item, an audit entry); a worker lane runs
`build_pack`, which writes the zip to a partial file under the file store's root
(`packs/`), counting the units written into the row as it goes, then renames it into
place and marks the row ready, with its size. The page shows each pack's status from
the row (`pack_views`); a ready pack is downloadable for `[evidence] keep_pack_days`,
after which the worker's daily run (`expire_packs`) removes the file and audits it.
A worker that dies while building leaves the item to another (its lease runs out): the
build starts over, writing the same partial file again.
"""
from __future__ import annotations

import errno
import logging
import os
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import audit
from bot.jobs import JobKind, PermanentError
from bot.office.audit_words import Names, who
from bot.office.evidence import write_all_packs
from scoring import Quarter
from storage.db import UnitOfWork
from storage.models import EvidencePack, WorkItem
from storage.queue import BULK, enqueue

log = logging.getLogger(__name__)

PACKS = "packs"           # the folder under the file store's root
QUEUED, BUILDING, READY, FAILED, REMOVED = "queued", "building", "ready", "failed", "removed"
PENDING = (QUEUED, BUILDING)
BUILD, EXPIRE = JobKind.BUILD_EVIDENCE_PACK, JobKind.EXPIRE_EVIDENCE_PACKS
ACTOR = "worker"
SHOWN = 20                # packs listed on the page


def dedup_key(pack_id: int) -> str:
    return f"{BUILD}:{pack_id}"


def request_pack(session, quarter: Quarter, actor: str, now: datetime) -> tuple[EvidencePack, bool]:
    """Queue the quarter's all-units pack, unless one is queued or being built already;
    (the pack, whether it is new). The caller commits."""
    pending = session.scalars(select(EvidencePack).where(
        EvidencePack.quarter == str(quarter), EvidencePack.status.in_(PENDING))
        .order_by(EvidencePack.id)).first()
    if pending is not None and not _gave_up(session, pending):
        return pending, False
    pack = EvidencePack(quarter=str(quarter), status=QUEUED, units_done=0, units_total=0,
                        requested_by=actor, requested_at=now)
    session.add(pack)
    session.flush()
    enqueue(session, BUILD, {"pack_id": pack.id}, now=now, priority=BULK,
            dedup_key=dedup_key(pack.id), max_attempts=3)
    audit.record(session, now, actor, audit.PACK_REQUESTED, pack.id,
                 new={"quarter": str(quarter)})
    return pack, True


def _gave_up(session, pack: EvidencePack) -> WorkItem | None:
    """The pack's work item if the worker gave it up (its job died every attempt)."""
    item = session.scalars(select(WorkItem).where(
        WorkItem.dedup_key == dedup_key(pack.id))).first()
    return item if item is not None and item.state == "failed" else None


def build_pack(payload: dict, services) -> None:
    """Build one requested pack (a work item's job)."""
    pack_id = payload["pack_id"]
    factory, clock = services.session_factory, services.clock
    with UnitOfWork(factory) as uow:
        pack = uow.session.get(EvidencePack, pack_id)
        if pack is None or pack.status not in PENDING:
            return   # built already (a job run twice) or removed
        pack.status, pack.started_at, pack.units_done, pack.error = BUILDING, clock.now(), 0, None
        quarter = Quarter.parse(pack.quarter)
        uow.commit()
    folder = services.files.root / PACKS
    rel = f"{PACKS}/{pack_id}-{quarter}.zip"
    partial = folder / f"{pack_id}-{quarter}.zip.partial"

    def progress(done: int, total: int) -> None:
        with UnitOfWork(factory) as uow:
            row = uow.session.get(EvidencePack, pack_id)
            row.units_done, row.units_total = done, total
            uow.commit()

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as out:
            write_all_packs(factory, services.files, quarter, clock.now(),
                            services.conversation.rules, out, progress)
        os.replace(partial, services.files.path(rel))
    except Exception as exc:
        with suppress(OSError):
            partial.unlink(missing_ok=True)
        log.exception("evidence pack %s failed", pack_id)
        reason = failure_words(exc)
        with UnitOfWork(factory) as uow:
            row = uow.session.get(EvidencePack, pack_id)
            row.status, row.error, row.finished_at = FAILED, reason, clock.now()
            uow.commit()
        raise PermanentError(reason) from exc
    with UnitOfWork(factory) as uow:
        row = uow.session.get(EvidencePack, pack_id)
        row.status, row.path, row.finished_at = READY, rel, clock.now()
        row.size_bytes = services.files.path(rel).stat().st_size
        uow.commit()


def failure_words(exc: Exception) -> str:
    """Why a pack could not be built, for the office."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "存放证据包的磁盘空间不足，请联系系统管理员清理后重新生成"
    return f"生成时出错（{type(exc).__name__}: {exc}），请重新生成；仍失败请联系系统管理员"


def keep(services) -> timedelta:
    return timedelta(days=services.config.evidence.keep_pack_days)


def expire_packs(payload: dict, services) -> None:
    """Remove the ready packs whose keeping has passed (a work item's job); the rows stay."""
    now = services.clock.now()
    with UnitOfWork(services.session_factory) as uow:
        due = uow.session.scalars(select(EvidencePack).where(
            EvidencePack.status == READY, EvidencePack.finished_at < now - keep(services))
            .order_by(EvidencePack.id)).all()
        for pack in due:
            # Removed before the record is committed: a retry finds it gone and records it.
            services.files.path(pack.path).unlink(missing_ok=True)
            audit.record(uow.session, now, ACTOR, audit.PACK_EXPIRED, pack.id,
                         old={"quarter": pack.quarter, "path": pack.path,
                              "size_bytes": pack.size_bytes,
                              "finished_at": pack.finished_at.isoformat()},
                         new={"removed_at": now.isoformat()})
            pack.status, pack.removed_at = REMOVED, now
        uow.commit()
    if due:
        log.info("removed %d evidence packs past their keeping", len(due))


@dataclass(frozen=True)
class PackView:
    """A pack as the page shows it."""

    id: int
    quarter: Quarter
    status: str
    words: str                 # 排队中 / 生成中 3/100 个单位 / 已完成 / 失败：… / 已过期删除
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    size_bytes: int | None
    kept_until: datetime | None

    @property
    def ready(self) -> bool:
        return self.status == READY

    @property
    def pending(self) -> bool:
        return self.status in PENDING


def pack_views(session, now: datetime, kept: timedelta, limit: int = SHOWN) -> list[PackView]:
    """The latest packs, newest first."""
    packs = session.scalars(select(EvidencePack)
                            .order_by(EvidencePack.id.desc()).limit(limit)).all()
    return [_view(session, p, now, kept) for p in packs]


def _view(session, pack: EvidencePack, now: datetime, kept: timedelta) -> PackView:
    status, until = pack.status, None
    if status in PENDING and (item := _gave_up(session, pack)) is not None:
        status, words = FAILED, f"失败：{item.last_error or '后台任务多次中断'}"
    elif status == QUEUED:
        words = "排队中"
    elif status == BUILDING:
        words = (f"生成中 {pack.units_done}/{pack.units_total} 个单位" if pack.units_total
                 else "生成中")
    elif status == READY:
        until = pack.finished_at + kept
        status, words = (READY, "已完成") if now < until else (REMOVED, "已过期")
    elif status == FAILED:
        words = f"失败：{pack.error or ''}"
    else:
        words = "已过期删除"
    return PackView(pack.id, Quarter.parse(pack.quarter), status, words,
                    who(pack.requested_by, Names()), pack.requested_at, pack.finished_at,
                    pack.size_bytes, until)


def downloadable(session, pack_id: int, now: datetime, kept: timedelta) -> EvidencePack | None:
    """The pack if it is ready and still kept, else None."""
    pack = session.get(EvidencePack, pack_id)
    if pack is None or pack.status != READY or now >= pack.finished_at + kept:
        return None
    return pack
