"""Receive a message from any channel: store it, commit, then handle it and keep the answer."""
from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SystemClock
from bot.config_sections import Config
from bot.handlers import dispatch
from bot.handlers.context import Context
from bot.jobs import JobKind
from bot.messages import Incoming, Reply
from bot.office.arrangements import CurrentRules
from bot.rules import Rules
from bot.summaries import sender_months
from scoring import counted_send_time, month_of
from storage import queries
from storage.db import UnitOfWork, read_then_write, writing
from storage.files import FileStore
from storage.models import InboundMessage
from storage.queue import enqueue

log = logging.getLogger(__name__)

SAVED_BUT_FAILED = ("您的消息已保存，但处理时出了问题，系统会自动重试并把结果发给您；"
                    "如长时间没有回复，请联系中心办公室。")
DONE_STATES = ("handled",)


class Conversation:
    """One conversation logic for every channel."""

    def __init__(self, session_factory: sessionmaker[Session], files: FileStore,
                 config: Config, clock=None):
        self.session_factory = session_factory
        self._engine = session_factory.kw["bind"]
        self.files = files
        self.config = config
        self.clock = clock or SystemClock()
        self.current_rules = CurrentRules(session_factory, config)

    @property
    def rules(self) -> Rules:
        """The rules now, with the office's holiday arrangements (re-read every minute);
        outside a transaction (see CurrentRules)."""
        return self.current_rules.get()

    def receive(self, msg: Incoming) -> list[Reply]:
        """Store the message (once per platform id) and answer it; same id, same answer.

        The usual path stores and answers in one transaction. If answering fails, the
        message is stored on its own, marked failed, and a retry is queued: nothing a
        liaison sent is lost, and the reply is never sent before the commit.
        """
        try:
            # A plain connection: most messages need no ORM session (a handler that
            # does gets one in this transaction). What it reads, it reads in autocommit
            # mode; what writes more than the answered message alone (an ORM session,
            # a backfill, an item) first makes it one transaction (storage.db.writing).
            with self._engine.connect() as conn:
                # Answered, then stored with its answer in one insert: a platform's retry
                # of a stored message fails there, on the unique id, and nothing is kept.
                replies = self._answer(read_then_write(conn), None, msg)
                conn.commit()
                return replies
        except IntegrityError:
            pass  # a retry, or the same message twice at once: the other copy is stored
        except Exception as exc:
            log.exception("handling a %s message failed", msg.channel)
            inbound_id, _ = self.store(msg)
            return self._failed(inbound_id, exc, queue_retry=True)
        inbound_id, replies = self.store(msg)
        return [Reply(text) for text in replies] if replies is not None else (
            self.process(inbound_id))

    def store(self, msg: Incoming) -> tuple[int, list[str] | None]:
        """Commit the message; return its row id and the stored answer's texts if already
        handled."""
        with UnitOfWork(self.session_factory) as uow:
            existing = queries.inbound(uow.session, msg.channel, msg.msg_id)
            if existing is None:
                row = InboundMessage(**self._row(msg))
                uow.session.add(row)
                try:
                    uow.commit()
                    return row.id, None
                except IntegrityError:
                    uow.session.rollback()
                    existing = queries.inbound(uow.session, msg.channel, msg.msg_id)
            done = existing.state in DONE_STATES
            return existing.id, (existing.replies if done else None)

    def process(self, inbound_id: int, *, queue_retry: bool = True) -> list[Reply]:
        """Handle a stored message once; a failure keeps it and queues a retry (or raises)."""
        try:
            with UnitOfWork(self.session_factory) as uow:
                row = uow.session.get(InboundMessage, inbound_id, with_for_update=True)
                if row.state in DONE_STATES:
                    return [Reply(text) for text in row.replies]
                msg = Incoming(channel=row.channel, user_id=row.platform_user_id,
                               msg_id=row.platform_msg_id, kind=row.kind, text=row.text or "",
                               sent_at=row.sent_at, received_at=row.received_at,
                               blob_path=row.blob_path, filename=row.filename,
                               payload=row.payload or {})
                replies = self._answer(uow.session.connection(), row.id, msg, uow.session)
                uow.commit()
                return replies
        except Exception as exc:  # the message is safe; tell the liaison and retry later
            log.exception("handling inbound message %s failed", inbound_id)
            return self._failed(inbound_id, exc, queue_retry)

    @staticmethod
    def _row(msg: Incoming) -> dict:
        return dict(
            channel=msg.channel, platform_msg_id=msg.msg_id, platform_user_id=msg.user_id,
            kind=msg.kind, text=msg.text, blob_path=msg.blob_path, filename=msg.filename,
            payload=msg.payload, sent_at=msg.sent_at, received_at=msg.received_at,
            state="received")

    def _answer(self, conn: Connection, inbound_id: int | None, msg: Incoming,
                session: Session | None = None) -> list[Reply]:
        """Handle a message and store it answered, with what it added, in the caller's
        transaction on `conn` (`session`: an ORM session already in it, if any);
        `inbound_id` None: it is not stored yet (inserted here)."""
        now = self.clock.now()
        rules = self.current_rules.get(conn)   # on this connection (SQLite: no second one)
        stored, msg = msg, self._judged(msg, rules)
        # The sender, and the months its materials and receipt would be about (the 补交
        # window before the send time's month, and the month after), in one statement.
        month = month_of(msg.at)
        liaison, months = sender_months(
            conn, msg.channel, msg.user_id,
            month.back(self.config.summary.backfill_months), month.next())
        ctx = Context(conn=conn, files=self.files, now=now, config=self.config, rules=rules,
                      liaison=liaison, _session=session, _months=months)
        try:
            route, replies = dispatch(msg, ctx)
            ctx.flush()  # what handlers did through the ORM, before the message's rows
        finally:
            ctx.close()
        texts = [r.text for r in replies]
        answered = {"replies": texts, "state": "handled", "handled_at": now,
                    "payload": {**msg.payload, **ctx.notes, "route": route}}
        if ctx.new_items or ctx.rejected:
            writing(conn)  # the message and its items are committed together
        if inbound_id is None:
            # The platform's send time, as it said.
            inbound_id = queries.add_inbound(conn, {**self._row(stored), **answered})
        else:
            queries.set_handled(conn, inbound_id, answered)
        if ctx.new_items:
            queries.add_items(conn, [{**item, "inbound_id": inbound_id}
                                     for item in ctx.new_items])
        if ctx.rejected:
            queries.add_rejected(conn, [{**r, "inbound_id": inbound_id}
                                        for r in ctx.rejected])
        return replies

    @staticmethod
    def _judged(msg: Incoming, rules: Rules) -> Incoming:
        """The message with the send time that counts: a platform's own only when plausible."""
        window = rules.send_time.get(msg.channel)
        if window is None:   # the console: its send time is our own clock's
            return msg
        return replace(msg, sent_at=counted_send_time(msg.sent_at, msg.received_at, window))

    def _failed(self, inbound_id: int, exc: Exception, queue_retry: bool) -> list[Reply]:
        with UnitOfWork(self.session_factory) as uow:
            row = uow.session.get(InboundMessage, inbound_id)
            row.state = "failed"
            row.error = f"{type(exc).__name__}: {exc}"[:2000]
            if queue_retry:
                enqueue(uow.session, JobKind.REPROCESS_INBOUND, {"inbound_id": inbound_id},
                        now=self.clock.now(), dedup_key=f"reprocess:{inbound_id}")
            uow.commit()
        if not queue_retry:
            raise exc
        return [Reply(SAVED_BUT_FAILED)]
