"""The worker's half of a document: read its text outside any transaction, count it,
and tell the liaison (work item `read_document`, queued by bot/handlers/submit.py).

A document is stored and added to its month when it arrives, with no text. Reading it
(inflating a .docx, walking a PDF's pages) is the slow part, and a hostile file can make
it as slow and as big as it likes; so it runs here, between two short transactions, and
within the limits of `[files]` (storage/documents.py). Its text then counts from the
document's own send time, as if it had been read at once. A refusal keeps the file as
evidence and tells the liaison what to do instead.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.channels.outbox import push
from bot.handlers.texts import clock_text, month_lines
from bot.jobs import JobKind
from bot.messages import Receipt, Reply
from bot.summaries import month_state
from scoring import Month, count_chars
from storage import queries
from storage.db import UnitOfWork
from storage.files import Rejected
from storage.models import InboundMessage, Liaison, StoredFile, SummaryItem, Unit
from storage.queue import enqueue

log = logging.getLogger(__name__)

# The inbound message's payload records how its document was read: "read" or "refused".
OUTCOME = "document_text"


@dataclass(frozen=True)
class _Document:
    inbound_id: int
    path: str
    filename: str


def read_document(payload: dict[str, Any], services) -> None:
    """Read a message's document, count its text, and send the liaison the result."""
    document = _unread_document(services, payload["channel"], payload["msg_id"])
    if document is None:
        return
    try:
        text, reason = services.files.document_text(document.path, document.filename), None
    except Rejected as exc:
        text, reason = None, exc.reason
        log.warning("document of inbound message %s refused: %s", document.inbound_id, reason)
    _count(services, document, text, reason)


def _unread_document(services, channel: str, msg_id: str) -> _Document | None:
    """The stored document of a message, or None when it was read already (a rerun)."""
    with UnitOfWork(services.session_factory) as uow:
        row = queries.inbound(uow.session, channel, msg_id)
        if (row.payload or {}).get(OUTCOME):
            return None
        stored = uow.session.scalars(
            select(StoredFile).join(SummaryItem, SummaryItem.file_id == StoredFile.id)
            .where(SummaryItem.inbound_id == row.id)).one()
        return _Document(row.id, stored.path, stored.filename or row.filename or "")


def _count(services, document: _Document, text: str | None, reason: str | None) -> None:
    """Give the document's item its text, and answer: one short transaction."""
    now, rules = services.clock.now(), services.conversation.rules
    with UnitOfWork(services.session_factory) as uow:
        session = uow.session
        row = session.get(InboundMessage, document.inbound_id, with_for_update=True)
        if (row.payload or {}).get(OUTCOME):
            return  # another run got here first
        item = session.scalars(select(SummaryItem).where(
            SummaryItem.inbound_id == row.id)).one()
        if text is not None:
            item.text, item.chars = text, count_chars(text)
            session.flush()
        month = Month.parse(item.month)
        state = month_state(session, item.unit_id, month, now, rules.deadline, rules.completion)
        unit = session.get(Unit, item.unit_id)
        name = document.filename
        if text is not None:
            first = f"已记录：文档「{name}」中的文字 {item.chars} 字"
        else:
            first = f"文档「{name}」中的文字没有记入：{reason}。文件已保存，中心办公室可以查看。"
        if item.withdrawn_at is not None:
            first += "（这份文档已撤回，不计入）"
        reply = Reply(receipt=Receipt(first, f"时间：{clock_text(item.sent_at)}",
                                      month_lines(unit.name, state, now)))
        if state.complete and text is not None:
            _completed(session, services, item, now)
        row.replies = [*(row.replies or []), reply.text]
        row.payload = {**(row.payload or {}), OUTCOME: "read" if text is not None else "refused",
                       **({"document_refused": reason} if reason else {})}
        if row.channel in services.senders:  # the console shows it in its history instead
            push(session, row.channel, row.platform_user_id, [reply], now)
        uow.commit()


def _completed(session, services, item: SummaryItem, now) -> None:
    """What a receipt that completes a month does besides: the mail, the end of a 补交."""
    if services.config.mail.enabled:
        enqueue(session, JobKind.MAIL_SUMMARY, {"unit_id": item.unit_id, "month": item.month},
                now=now, dedup_key=f"mail:{item.unit_id}:{item.month}")
    liaison = session.get(Liaison, item.liaison_id) if item.liaison_id else None
    if liaison is not None and liaison.backfill_month == item.month:
        liaison.backfill_month, liaison.backfill_set_at = None, None
