"""Refused files kept as evidence, and their end: once a day the worker removes the
files whose `[files] keep_rejected_days` have passed, and audits each removal.

A refused photo or document stays where it was received (storage/files.py); its
rejected_files row lets the office download it from the unit page. When its time is up
the row stays (the unit page says when the file went) and the file is removed, unless
other messages still need the same bytes: an accepted file of the same content, a
refusal not yet due, a message not handled yet, or the same bytes received again within
the last day (put_blob renews the file's time; the new message may not be stored yet).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import audit
from bot.handlers.submit import FILE_REFUSED, PHOTO_REFUSED
from bot.jobs import JobKind
from scoring import month_of
from storage.db import UnitOfWork
from storage.files import FileStore, is_older
from storage.models import InboundMessage, Liaison, RejectedFile, StoredFile

log = logging.getLogger(__name__)

EXPIRE_REJECTED = JobKind.EXPIRE_REJECTED_FILES
ACTOR = "worker"
BATCH = 200
FRESH_SECONDS = 24 * 3600   # a file written this lately is left alone (storage/files.py)


def expire_rejected_files(payload: dict, services) -> None:
    """Remove the refused files whose retention has passed (a work item's job)."""
    now = services.clock.now()
    cutoff = now - timedelta(days=services.config.files.keep_rejected_days)
    while True:
        with UnitOfWork(services.session_factory) as uow:
            due = uow.session.scalars(
                select(RejectedFile).where(RejectedFile.removed_at.is_(None),
                                           RejectedFile.rejected_at < cutoff)
                .order_by(RejectedFile.id).limit(BATCH)).all()
            if not due:
                return
            needed = still_needed(uow.session, services.files, due, cutoff)
            for row in due:
                removed = row.path not in needed
                if removed:
                    # Removed before the record is committed: a failed commit is retried
                    # by the work item, which finds the file gone and records it then.
                    services.files.path(row.path).unlink(missing_ok=True)
                row.removed_at = now
                audit.record(uow.session, now, ACTOR, audit.REJECTED_FILE_EXPIRED, row.id,
                             old={"path": row.path, "size_bytes": row.size_bytes,
                                  "rejected_at": row.rejected_at.isoformat(),
                                  "kind": row.kind, "month": row.month,
                                  "filename": row.filename},
                             new={"removed_at": now.isoformat(), "file_removed": removed},
                             unit_id=row.unit_id)
            uow.commit()
        log.info("removed %d refused files past their retention", len(due))


def still_needed(session, files: FileStore, rows: list[RejectedFile],
                 cutoff: datetime) -> set[str]:
    """The paths among `rows` that something else still needs."""
    paths = {r.path for r in rows}
    needed = set(session.scalars(select(StoredFile.path).where(StoredFile.path.in_(paths))))
    due_refusals = select(RejectedFile.inbound_id).where(RejectedFile.path.in_(paths),
                                                         RejectedFile.rejected_at < cutoff)
    needed.update(session.scalars(select(InboundMessage.blob_path).where(
        InboundMessage.blob_path.in_(paths), InboundMessage.id.not_in(due_refusals))))
    for path in paths - needed:
        target = files.path(path)
        if target.exists() and not is_older(target, FRESH_SECONDS):
            needed.add(path)   # received again lately: its message may not be stored yet
    return needed


def earlier_refusals(session, files: FileStore) -> list[dict]:
    """Refused files received before rejected_files existed, as rows to add: a photo or
    document message answered with a refusal, its file still kept, no row of its own.
    The unit is the sender's now, the month the one it was sent in (what it would have
    gone to was not kept), its retention counts from when it was answered."""
    recorded = select(RejectedFile.inbound_id)
    found = session.execute(
        select(InboundMessage, Liaison.id, Liaison.unit_id)
        .join(Liaison, (Liaison.channel == InboundMessage.channel)
              & (Liaison.platform_user_id == InboundMessage.platform_user_id))
        .where(InboundMessage.kind.in_(("photo", "document")),
               InboundMessage.blob_path.is_not(None), InboundMessage.state == "handled",
               Liaison.unit_id.is_not(None), InboundMessage.id.not_in(recorded))
        .order_by(InboundMessage.id))
    rows = []
    for msg, liaison_id, unit_id in found:
        answer = (msg.replies or [""])[0]
        target = files.path(msg.blob_path)
        if not answer.startswith((PHOTO_REFUSED, FILE_REFUSED)) or not target.is_file():
            continue
        sent = msg.sent_at or msg.received_at
        rows.append(dict(
            inbound_id=msg.id, unit_id=unit_id, liaison_id=liaison_id,
            month=str(month_of(sent)), kind=msg.kind, path=msg.blob_path,
            size_bytes=target.stat().st_size, filename=msg.filename,
            reason=answer.split("：", 1)[1], sent_at=sent,
            rejected_at=msg.handled_at or msg.received_at, removed_at=None))
    return rows
