"""The outbox: answers finished after the callback, pushed later and coalesced per member.

A burst of photos gives a burst of receipts; WeCom lets an app send one member at most
30 messages a minute and drops the rest silently. So every receipt goes into the
outbox, and one flush a few seconds after the first pending entry sends them all as
one message (split only where 2048 bytes force it).

A flush is PROMPT work (storage/queue.py): it is claimed before any queued download, and
the worker's prompt lane (bot/worker.py) takes it even while every other lane is busy
downloading, so a receipt follows its photo's download by about FLUSH_DELAY plus a poll,
however long another unit's burst is.
"""
from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.channels.sending import MAX_TEXT_BYTES, split_text, utf8_len
from bot.jobs import JobKind, PermanentError
from bot.messages import Receipt, Reply
from storage.db import UnitOfWork
from storage.models import InboundMessage, OutboxMessage, WorkItem
from storage.queue import enqueue

log = logging.getLogger(__name__)

FLUSH_DELAY = timedelta(seconds=5)


def push(session: Session, channel: str, user_id: str, replies: list[Reply], now: datetime,
         delay: timedelta = FLUSH_DELAY) -> int:
    """Add replies for a member to the outbox and make sure a flush is coming."""
    replies = [r for r in replies if r.text.strip()]
    for reply in replies:
        session.add(OutboxMessage(
            channel=channel, user_id=user_id, text=reply.text, state="pending",
            receipt=reply.receipt.stored() if reply.receipt else None, created_at=now))
    if replies:
        session.flush()
        schedule_flush(session, channel, user_id, now, delay)
    return len(replies)


def push_for_inbound(services, inbound_id: int, replies: list[Reply]) -> bool:
    """Push the answers to a stored message once, however often this runs."""
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.get(InboundMessage, inbound_id, with_for_update=True)
        if (row.payload or {}).get("pushed"):
            return False
        push(uow.session, row.channel, row.platform_user_id, replies, services.clock.now())
        row.payload = {**(row.payload or {}), "pushed": True}
        uow.commit()
        return True


def schedule_flush(session: Session, channel: str, user_id: str, now: datetime,
                   delay: timedelta = FLUSH_DELAY) -> None:
    """Queue a flush for the member unless one is already waiting to run.

    The waiting flush's row is locked while we look, so it cannot start (and miss
    what this transaction adds) until we commit; a flush already running gets a
    successor.
    """
    prefix = _flush_prefix(channel, user_id)
    waiting = session.scalars(
        select(WorkItem.id).where(WorkItem.kind == JobKind.OUTBOX_FLUSH,
                                  WorkItem.dedup_key.startswith(prefix),
                                  WorkItem.state == "queued")
        .limit(1).with_for_update()).first()
    if waiting is None:
        enqueue(session, JobKind.OUTBOX_FLUSH, {"channel": channel, "user_id": user_id},
                now=now, run_after=now + delay, dedup_key=prefix + uuid.uuid4().hex)


def flush(payload: dict[str, Any], services) -> None:
    """Send a member's pending outbox entries as one message (work item `outbox_flush`)."""
    channel, user_id = payload["channel"], payload["user_id"]
    with UnitOfWork(services.session_factory) as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == channel,
                                        OutboxMessage.user_id == user_id,
                                        OutboxMessage.state == "pending")
            .order_by(OutboxMessage.id)).all()
        ids, replies = [r.id for r in rows], [_reply(r) for r in rows]
    if not ids:
        return
    sender = services.senders.get(channel)
    if sender is None:
        _finish(services, ids, "failed", f"no sender configured for channel {channel!r}")
        raise PermanentError(f"no sender configured for channel {channel!r}")
    for message in coalesce(replies):
        result = sender.send_text([user_id], message)
        if result.invalid_users:
            reason = result.reasons.get(result.invalid_users[0], "平台答复未送达")
            _finish(services, ids, "failed", f"未送达 {user_id}：{reason}")
            raise PermanentError(f"{channel} did not deliver to {user_id!r}: {reason}")
    _finish(services, ids, "sent")
    with UnitOfWork(services.session_factory) as uow:  # what arrived while we sent
        more = uow.session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.channel == channel, OutboxMessage.user_id == user_id,
            OutboxMessage.state == "pending").limit(1)).first()
        if more is not None:
            schedule_flush(uow.session, channel, user_id, services.clock.now())
            uow.commit()


def coalesce(replies: list[Reply], limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Turn pending replies into as few messages as fit in `limit` bytes each.

    One reply goes as it is. Two receipts or more become a numbered list of what was
    recorded and when, followed once by the newest month lines of each unit and month,
    and the newest receipt's line naming months still owed.
    """
    replies = [r for r in replies if r.text.strip("\n").strip()]
    if len(replies) <= 1:
        return split_text(replies[0].text, limit) if replies else []
    if not any(r.receipt for r in replies):
        joined = "\n\n".join(r.text.strip("\n") for r in replies)
        return [joined] if utf8_len(joined) <= limit else split_text(joined, limit)
    entries, months, owed = [], {}, None
    for reply in replies:
        receipt = reply.receipt
        if receipt is None:
            entries.append([line for line in reply.text.strip("\n").split("\n")
                            if line.strip()])
            continue
        key = (receipt.month.unit, receipt.month.month)
        months.pop(key, None)   # re-inserted: ordered by newest appearance
        months[key] = receipt.month.lines
        owed = receipt.owed
        entries.append([f"{receipt.recorded}　{receipt.at}", *receipt.notes])
    out = [f"处理结果（共 {len(entries)} 条）："]
    for n, lines in enumerate(entries, 1):
        out.append(f"{n}. {lines[0]}")
        out.extend(f"   {line}" for line in lines[1:])
    for lines in months.values():
        out.append("")
        out.extend(lines)
    if owed:
        out.append(owed)
    return split_text("\n".join(out), limit)


def _reply(row: OutboxMessage) -> Reply:
    return Reply(row.text, Receipt.from_stored(row.receipt) if row.receipt else None)


def _finish(services, ids: list[int], state: str, error: str | None = None) -> None:
    with UnitOfWork(services.session_factory) as uow:
        uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids),
                                        OutboxMessage.state == "pending")
            .values(state=state, error=error,
                    sent_at=services.clock.now() if state == "sent" else None)
            .execution_options(synchronize_session=False))
        uow.commit()
    if error:
        log.error("outbox entries %s %s: %s", ids, state, error)


def _flush_prefix(channel: str, user_id: str) -> str:
    digest = hashlib.sha1(f"{channel}\x00{user_id}".encode("utf-8")).hexdigest()[:32]
    return f"{JobKind.OUTBOX_FLUSH}:{digest}:"


def reprocess_and_push(payload: dict[str, Any], services) -> None:
    """Work item `reprocess_inbound`: handle again a message whose first handling failed,
    and push the answer.

    The liaison was told the result would follow; on a channel with a sender it now
    does, through the outbox (the console shows it in its history instead).
    """
    inbound_id = payload["inbound_id"]
    replies = services.conversation.process(inbound_id, queue_retry=False)
    with UnitOfWork(services.session_factory) as uow:
        channel = uow.session.get(InboundMessage, inbound_id).channel
    if channel in services.senders:
        push_for_inbound(services, inbound_id, replies)
