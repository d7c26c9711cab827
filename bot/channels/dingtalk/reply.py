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

from datetime import timedelta
from typing import Any

from bot.channels.dingtalk.api import DingtalkError
from bot.channels.dingtalk.sign import epoch_ms
from bot.channels.sending import split_text
from bot.jobs import PermanentError
from bot.worker import Worker

WEBHOOK_MARGIN_MS = 5_000   # a webhook this close to its expiry is not trusted
# The web process sends without the worker's heartbeat, retries included (up to a minute
# or so against a slow DingTalk): its claim is leased long enough that no worker takes
# the item over and sends the reply a second time meanwhile.
DIRECT_LEASE = timedelta(minutes=5)


def send_reply(payload: dict[str, Any], services) -> None:
    """Work item `dingtalk_reply`: post the reply texts to the member's conversation."""
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
    Worker(services, name="dingtalk-direct", lease=DIRECT_LEASE).run_queued(item_ids)
