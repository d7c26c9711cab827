"""The worker jobs of the platforms: media downloads, DingTalk replies, outbox flushes,
pushed retries."""
from __future__ import annotations

from typing import Any

from bot.platforms import outbox
from storage.db import UnitOfWork
from storage.models import InboundMessage


def register_platform_jobs(worker) -> None:
    """Register the platform jobs on a Worker."""
    from bot.channels import dingtalk_media, dingtalk_reply
    from bot.channels.wecom_media import download_and_handle
    worker.register("wecom_media", download_and_handle)
    worker.register("dingtalk_media", dingtalk_media.download_and_handle)
    worker.register("dingtalk_reply", dingtalk_reply.send_reply)
    worker.register("outbox_flush", outbox.flush)
    worker.register("reprocess_inbound", reprocess_and_push)


def reprocess_and_push(payload: dict[str, Any], services) -> None:
    """Handle again a message whose first handling failed, and push the answer.

    The liaison was told the result would follow; on a channel with a sender it now
    does, through the outbox (the console shows it in its history instead).
    """
    inbound_id = payload["inbound_id"]
    replies = services.conversation.process(inbound_id, queue_retry=False)
    with UnitOfWork(services.session_factory) as uow:
        channel = uow.session.get(InboundMessage, inbound_id).channel
    if channel in services.senders:
        outbox.push_for_inbound(services, inbound_id, replies)
