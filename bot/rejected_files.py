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

from bot.jobs import JobKind
from scoring import local
from storage import queries
from storage.db import UnitOfWork
from storage.files import FileStore, is_older
from storage.models import InboundMessage, RejectedFile, StoredFile
from storage.queue import BULK, enqueue

log = logging.getLogger(__name__)

EXPIRE_REJECTED = JobKind.EXPIRE_REJECTED_FILES
ACTOR = "worker"
BATCH = 200
DAILY_AFTER = 3   # local hour from which the day's run is queued (the quiet of the night)
FRESH_SECONDS = 24 * 3600   # a file written this lately is left alone (storage/files.py)


def queue_expiry(services, now: datetime) -> bool:
    """Queue the day's removal run, once a day from 03:00 (the day's dedup key);
    True once it is queued, by this call or an earlier one."""
    if local(now).hour < DAILY_AFTER:
        return False
    with UnitOfWork(services.session_factory) as uow:
        enqueue(uow.session, EXPIRE_REJECTED, {}, now=now, priority=BULK,
                dedup_key=f"{EXPIRE_REJECTED}:{local(now).date().isoformat()}")
        uow.commit()
    return True


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
                queries.audit(uow.session, now, ACTOR, "expire", "rejected_file", row.id,
                              old={"path": row.path, "size_bytes": row.size_bytes,
                                   "rejected_at": row.rejected_at.isoformat()},
                              new={"removed_at": now.isoformat(), "file_removed": removed})
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
