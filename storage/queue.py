"""Durable work items: queued in the database, claimed by one worker at a time."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import WorkItem


def enqueue(session: Session, kind: str, payload: dict[str, Any], *, now: datetime,
            dedup_key: str | None = None, run_after: datetime | None = None,
            max_attempts: int = 6) -> WorkItem | None:
    """Queue work; with a dedup key, work already queued (or done) is not queued again."""
    item = WorkItem(kind=kind, payload=payload, dedup_key=dedup_key, state="queued",
                    attempts=0, max_attempts=max_attempts, run_after=run_after or now,
                    created_at=now)
    if dedup_key is None:
        session.add(item)
        session.flush()
        return item
    if session.scalars(select(WorkItem.id).where(WorkItem.dedup_key == dedup_key)).first():
        return None
    try:
        with session.begin_nested():
            session.add(item)
        return item
    except IntegrityError:
        return None


def claim(session: Session, worker: str, now: datetime, lease: timedelta,
          limit: int = 10) -> list[WorkItem]:
    """Take up to `limit` due items: queued ones, and running ones whose lease ran out."""
    due = or_(WorkItem.state == "queued",
              (WorkItem.state == "running") & (WorkItem.locked_until < now))
    candidates = session.scalars(
        select(WorkItem.id).where(due, WorkItem.run_after <= now)
        .order_by(WorkItem.run_after, WorkItem.id).limit(limit)
        .with_for_update(skip_locked=True)).all()
    taken = []
    for item_id in candidates:
        # The guarded update keeps SQLite (no SKIP LOCKED) safe with several workers too.
        result = session.execute(
            update(WorkItem).where(WorkItem.id == item_id, due)
            .values(state="running", locked_by=worker, locked_until=now + lease,
                    attempts=WorkItem.attempts + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            taken.append(item_id)
    session.expire_all()
    return [session.get(WorkItem, i) for i in taken]


def finish(session: Session, item: WorkItem, now: datetime) -> None:
    """Mark an item done."""
    item.state = "done"
    item.finished_at = now
    item.locked_until = None
    item.last_error = None


def fail(session: Session, item: WorkItem, now: datetime, error: str,
         backoff: timedelta) -> bool:
    """Record a failed attempt; retry later with exponential backoff. True if final."""
    item.last_error = error[:2000]
    item.locked_until = None
    if item.attempts >= item.max_attempts:
        item.state = "failed"
        item.finished_at = now
        return True
    item.state = "queued"
    item.run_after = now + backoff * (2 ** (item.attempts - 1))
    return False
