"""The reply to a DingTalk robot message: through its conversation's sessionWebhook.

Decision (PLATFORMS.md §3.4): DingTalk documents the sessionWebhook as the way to
answer; a reply in the HTTP response body is not documented for enterprise robots, and
Stream mode has no response body at all. So both modes answer the same way: the
message is stored and handled, the reply is queued as a durable work item, DingTalk
gets its acknowledgement, and then this module posts the reply at once
(`deliver_now`, after the HTTP response or the Stream ACK has gone out). A worker runs
the same item later only if that attempt did not happen or failed. When the webhook
has expired (~90 minutes, e.g. after a long outage) the member gets the reply by
batchSend instead.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from bot.channels.dingtalk_sign import epoch_ms
from bot.platforms.dingtalk_api import DingtalkError
from bot.platforms.sender import split_text
from storage import queue
from storage.db import UnitOfWork
from storage.models import WorkItem

log = logging.getLogger(__name__)

WEBHOOK_MARGIN_MS = 5_000   # a webhook this close to its expiry is not trusted
# The web process sends without the worker's heartbeat, retries included (up to a minute
# or so against a slow DingTalk): its claim is leased long enough that no worker takes
# the item over and sends the reply a second time meanwhile.
DIRECT_LEASE = timedelta(minutes=5)


def send_reply(payload: dict[str, Any], services) -> None:
    """Work item `dingtalk_reply`: post the reply texts to the member's conversation."""
    from bot.worker import PermanentError
    if services.dingtalk is None:
        raise PermanentError("[dingtalk] is not configured: cannot reply")
    text = "\n\n".join(payload["texts"])
    user, url = payload.get("user_id"), payload.get("webhook")
    try:
        if url and (payload.get("webhook_expires_ms") or 0) > (
                epoch_ms(services.clock.now()) + WEBHOOK_MARGIN_MS):
            for part in split_text(text):
                body: dict[str, Any] = {"msgtype": "text", "text": {"content": part}}
                if payload.get("at_sender") and user:
                    body["at"] = {"atUserIds": [user]}
                services.dingtalk.post_session(url, body)
            return
        if not user:
            raise PermanentError("the sessionWebhook expired; the sender is outside the organisation")
        result = services.senders["dingtalk"].send_text([user], text)
    except DingtalkError as exc:
        if exc.transient:
            raise
        raise PermanentError(str(exc)) from None
    if result.invalid_users:
        reason = result.reasons.get(user, "")
        raise PermanentError(f"DingTalk did not deliver to {user!r}: {reason}")


def deliver_now(services, item_ids: list[int]) -> None:
    """Run freshly queued reply items here, unless a worker has taken them; never raises."""
    for item_id in item_ids:
        try:
            _run_if_still_queued(services, item_id)
        except Exception:  # the worker retries the item; the caller must not fail
            log.exception("direct DingTalk reply (work item %s) failed", item_id)


def _run_if_still_queued(services, item_id: int) -> None:
    from bot.worker import PermanentError
    cfg, now = services.config.worker, services.clock.now()
    with UnitOfWork(services.session_factory) as uow:
        # The same guarded claim as the worker's: whoever moves it to running sends it.
        claimed = uow.session.execute(
            update(WorkItem).where(WorkItem.id == item_id, WorkItem.state == "queued")
            .values(state="running", locked_by="dingtalk-direct",
                    locked_until=now + DIRECT_LEASE,
                    attempts=WorkItem.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount == 1
        payload = dict(uow.session.get(WorkItem, item_id).payload) if claimed else None
        uow.commit()
    if payload is None:
        return
    error, permanent = None, False
    try:
        send_reply(payload, services)
    except PermanentError as exc:
        error, permanent = str(exc), True
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.warning("direct DingTalk reply failed, the worker retries it: %s", error)
    with UnitOfWork(services.session_factory) as uow:
        item = uow.session.get(WorkItem, item_id)
        if error is None:
            queue.finish(uow.session, item, services.clock.now())
        else:
            if permanent:
                item.attempts = item.max_attempts
            if queue.fail(uow.session, item, services.clock.now(), error,
                          timedelta(seconds=cfg.backoff_seconds)):
                log.error("DingTalk reply (work item %s) given up: %s", item_id, error)
        uow.commit()
