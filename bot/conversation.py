"""Receive a message from any channel: store it, commit, then handle it and keep the answer."""
from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy import bindparam, cast, insert, select, update
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
from storage.direct import DirectStatement
from storage.files import FileStore
from storage.models import InboundMessage, RejectedFile, SummaryItem
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
            # does gets one in this transaction). On PostgreSQL most messages are one
            # read and one insert, each committing alone; what writes more (an ORM
            # session, a backfill, several items) first makes it one transaction.
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
        rules = self.current_rules.get(conn)   # read in this transaction (SQLite: no second one)
        stored, msg = msg, self._judged(msg, rules)
        # The sender and the months its materials would go to, in one statement.
        month = month_of(msg.at)
        liaison, months = sender_months(conn, msg.channel, msg.user_id,
                                        (month, month.next()), rules.completion)
        ctx = Context(conn=conn, files=self.files, now=now, config=self.config,
                      rules=rules, liaison=liaison, _session=session, _months=months)
        try:
            route, replies = dispatch(msg, ctx)
            ctx.flush()  # what handlers did through the ORM, before the message's rows
        finally:
            ctx.close()
        texts = [r.text for r in replies]
        answered = {"replies": texts, "state": "handled", "handled_at": now,
                    "payload": {**msg.payload, **ctx.notes, "route": route}}
        row = {**self._row(stored), **answered}   # the platform's send time, as it said
        if (inbound_id is None and len(ctx.new_items) == 1 and not ctx.rejected
                and conn.dialect.name == "postgresql"):
            # One round trip: the message and its item in one statement.
            _INSERT_WITH_ITEM.execute(conn, {**row, **{f"item_{k}": v for k, v in
                                                       ctx.new_items[0].items()}})
            return replies
        if ctx.new_items or ctx.rejected:
            writing(conn)  # the message and its items are committed together
        if inbound_id is None:
            [(inbound_id,)] = _INSERT_INBOUND.rows(conn, row)
        else:
            conn.execute(_HANDLED, {"row_id": inbound_id, **answered})
        items = [{**item, "inbound_id": inbound_id} for item in ctx.new_items]
        if items:
            _INSERT_ITEM.execute(conn, items if len(items) > 1 else items[0])
        if ctx.rejected:
            conn.execute(insert(RejectedFile), [{**r, "inbound_id": inbound_id}
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


# Plain statements run on the DBAPI cursor (storage/direct.py): every message runs them,
# and the ORM's flush, even SQLAlchemy's execution, costs more than they do.
_INBOUND = InboundMessage.__table__
_ITEMS = SummaryItem.__table__
# Every column an answered message and its item are given (a missing value fails loudly).
_ROW_KEYS = tuple(c.name for c in _INBOUND.c if c.name not in ("id", "error"))
_ITEM_KEYS = tuple(c.name for c in _ITEMS.c if c.name not in ("id", "inbound_id"))


def _binds(table, keys, prefix: str = "") -> dict:
    """A typed bind parameter per column, named after it (with a prefix, if given)."""
    return {k: bindparam(prefix + k, type_=table.c[k].type) for k in keys}


def _insert_with_item():
    """PostgreSQL: insert a message and the item it adds in one statement (a CTE)."""
    message = (insert(_INBOUND).values(_binds(_INBOUND, _ROW_KEYS))
               .returning(_INBOUND.c.id).cte("message"))
    # Cast: in a SELECT list a parameter (a NULL above all) has no type of its own.
    item = select(*[cast(value, _ITEMS.c[k].type)
                    for k, value in _binds(_ITEMS, _ITEM_KEYS, "item_").items()], message.c.id)
    return insert(_ITEMS).from_select([*_ITEM_KEYS, "inbound_id"], item)


_INSERT_INBOUND = DirectStatement(insert(_INBOUND).values(_binds(_INBOUND, _ROW_KEYS))
                                  .returning(_INBOUND.c.id))
_INSERT_ITEM = DirectStatement(insert(_ITEMS).values(
    _binds(_ITEMS, (*_ITEM_KEYS, "inbound_id"))))
_INSERT_WITH_ITEM = DirectStatement(_insert_with_item())
_HANDLED = (update(_INBOUND).where(_INBOUND.c.id == bindparam("row_id"))
            .values(replies=bindparam("replies"), state=bindparam("state"),
                    handled_at=bindparam("handled_at"), payload=bindparam("payload")))
