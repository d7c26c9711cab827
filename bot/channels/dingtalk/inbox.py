"""What HTTP mode and Stream mode do with a robot message, the same for both: store it,
handle its text, queue its pictures and files for the worker and its reply, commit.

Only then does DingTalk get its answer (HTTP 200, or the Stream ACK: Stream messages
are not re-pushed, so nothing may be acknowledged that is not committed). The reply
itself goes out right after, through the conversation's sessionWebhook
(`reply.deliver_now`); the queued work item is the fallback that a worker
finishes if this process dies or DingTalk is slow.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.channels.dingtalk.messages import RobotMessage, to_robot_message
from bot.jobs import JobKind
from bot.messages import Incoming
from storage.db import UnitOfWork
from storage.queue import BULK, enqueue

log = logging.getLogger(__name__)

REPLY_GRACE = timedelta(seconds=10)   # the worker waits this long for the direct attempt
NOT_A_MEMBER = ("您好，这个机器人只为本单位（组织）内的成员服务，暂时无法处理您的消息。"
                "如果您是联络员，请用本单位组织内的钉钉账号发送。")


def media_key(msg_id: str) -> str:
    """The work item's dedup key for a received picture or file: once per part id."""
    return f"{JobKind.DINGTALK_MEDIA}:{msg_id}"


def reply_key(msg_id: str) -> str:
    """The work item's dedup key for the reply to a robot message: once per msgId."""
    return f"{JobKind.DINGTALK_REPLY}:{msg_id}"


def accept(svc, body: dict[str, Any]) -> list[int]:
    """Take a robot message; return the reply work items to try at once.

    Raises:
        MalformedMessage: the body is not the documented JSON; nothing is stored.
    """
    msg = to_robot_message(body, svc.clock.now(), svc.config.dingtalk.oapi_base)
    texts: list[str] = []
    if msg.user_id is None:
        # No senderStaffId: someone outside the organisation (an external group member).
        log.info("DingTalk message %s from outside the organisation refused", msg.msg_id)
        texts.append(NOT_A_MEMBER)
    for part in msg.parts:
        if part.kind in ("photo", "document"):
            _accept_media(svc, part)
        else:
            texts.extend(reply.text for reply in svc.conversation.receive(part))
    item_id = _queue_reply(svc, msg, texts) if texts else None
    return [item_id] if item_id is not None else []


def _accept_media(svc, part: Incoming) -> None:
    """Store the part and queue its download; a retried msgId queues nothing new."""
    inbound_id, _ = svc.conversation.store(part)
    with UnitOfWork(svc.session_factory) as uow:
        enqueue(uow.session, JobKind.DINGTALK_MEDIA,
                {"inbound_id": inbound_id, "msg_id": part.msg_id}, now=svc.clock.now(), dedup_key=media_key(part.msg_id),
                max_attempts=svc.config.worker.max_attempts, priority=BULK)
        uow.commit()


def _queue_reply(svc, msg: RobotMessage, texts: list[str]) -> int | None:
    """Queue the reply once per msgId; None when it was queued before (a retry)."""
    if msg.session_webhook is None and msg.user_id is None:
        return None   # nowhere to answer
    now = svc.clock.now()
    payload = {"msg_id": msg.msg_id, "user_id": msg.user_id, "texts": texts,
               "webhook": msg.session_webhook, "webhook_expires_ms": msg.session_expires_ms,
               "at_sender": msg.conversation_type == "2"}
    with UnitOfWork(svc.session_factory) as uow:
        item = enqueue(uow.session, JobKind.DINGTALK_REPLY, payload, now=now,
                       run_after=now + REPLY_GRACE,
                       dedup_key=reply_key(msg.msg_id),
                       max_attempts=svc.config.worker.max_attempts)
        item_id = item.id if item is not None else None
        uow.commit()
    return item_id
