"""Durable work items: queued in the database, claimed by one worker at a time.

Order: an item is claimed by priority (lower first), then by when it is due, then by
age. Answers someone is waiting for (receipt flushes, replies, notices) are PROMPT, the
default; work that arrives in bursts and takes seconds each (media downloads, mail with
attachments) is BULK. So a receipt due now is claimed before a hundred downloads queued
earlier, and a download never waits behind a receipt for long: receipts take
milliseconds. Within a priority the order is first come, first served, across units
too: a photo sent in the middle of another unit's burst is downloaded in its turn
(raise `[worker] threads` for shorter turns); its receipt then follows within seconds.

Leases: a claim marks the item running until `locked_until` (now + lease). A live
worker renews the lease of what it runs (`renew`, its heartbeat), so a long job keeps
its item; a dead worker's items run out of lease and the next claim takes them. Rows
are claimed with FOR UPDATE SKIP LOCKED (PostgreSQL), so two workers never take the
same item; on SQLite the guarded update does the same.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import WorkItem

PROMPT = 0   # short work someone is waiting for: receipts, replies, notices
BULK = 1     # slow work that comes in bursts: media downloads, mail


def enqueue(session: Session, kind: str, payload: dict[str, Any], *, now: datetime,
            dedup_key: str | None = None, run_after: datetime | None = None,
            max_attempts: int = 6, priority: int = PROMPT) -> WorkItem | None:
    """Queue work; with a dedup key, work already queued (or done) is not queued again."""
    item = WorkItem(kind=kind, payload=payload, dedup_key=dedup_key, state="queued",
                    priority=priority, attempts=0, max_attempts=max_attempts,
                    run_after=run_after or now, created_at=now)
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
          limit: int = 10, max_priority: int | None = None) -> list[WorkItem]:
    """Take up to `limit` due items, most urgent first: queued ones, and running ones
    whose lease ran out; with `max_priority`, only items of that priority or lower."""
    due = or_(WorkItem.state == "queued",
              (WorkItem.state == "running") & (WorkItem.locked_until < now))
    wanted = select(WorkItem.id).where(due, WorkItem.run_after <= now)
    if max_priority is not None:
        wanted = wanted.where(WorkItem.priority <= max_priority)
    candidates = session.scalars(
        wanted.order_by(WorkItem.priority, WorkItem.run_after, WorkItem.id).limit(limit)
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


def claim_queued(session: Session, item_ids: list[int], worker: str, now: datetime,
                 lease: timedelta) -> list[WorkItem]:
    """Take these items if they are still queued (nobody claimed them yet), due or not."""
    taken = [item_id for item_id in item_ids if session.execute(
        update(WorkItem).where(WorkItem.id == item_id, WorkItem.state == "queued")
        .values(state="running", locked_by=worker, locked_until=now + lease,
                attempts=WorkItem.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount == 1]
    session.expire_all()
    return [session.get(WorkItem, i) for i in taken]


def renew(session: Session, worker: str, item_ids: list[int], now: datetime,
          lease: timedelta) -> set[int]:
    """Extend the lease of the items this worker still holds; return their ids.

    An item another worker took over (this one was cut off past its lease) is not
    taken back: it is missing from the result.
    """
    if not item_ids:
        return set()
    held = session.scalars(
        update(WorkItem).where(WorkItem.id.in_(item_ids), WorkItem.state == "running",
                               WorkItem.locked_by == worker)
        .values(locked_until=now + lease).returning(WorkItem.id)
        .execution_options(synchronize_session=False)).all()
    return set(held)


def holds(item: WorkItem, worker: str) -> bool:
    """Whether `worker` still holds the claimed item (nobody took it over)."""
    return item.state == "running" and item.locked_by == worker


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
