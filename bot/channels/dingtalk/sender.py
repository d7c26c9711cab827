"""The DingTalk sender: one-to-one robot messages to members, and the custom group robot
for office digests.

Members get robot messages through oToMessages/batchSend, 20 user ids a call, each part
of a message once per batch. A single member who talked to the robot in a one-to-one
chat within its sessionWebhook's life (~90 minutes) is answered through that webhook
instead: no access token, no metered API call (a free-edition organisation has a
monthly API quota), and the answer lands in the chat the liaison is in.
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import select

from bot.channels.clients import TokenCache
from bot.channels.dingtalk.api import MAX_USERS_PER_CALL, DingtalkApi, DingtalkError
from bot.channels.dingtalk.sign import epoch_ms
from bot.channels.sending import PlatformError, SendResult, SlidingWindow, split_text
from bot.clock import SystemClock
from bot.config import ConfigError
from storage.db import UnitOfWork
from storage.models import InboundMessage

log = logging.getLogger(__name__)

CALLS_PER_SECOND = 20   # batchSend; our own ceiling, DingTalk publishes none for it
GROUP_PER_MINUTE = 20   # a custom group robot; over it DingTalk throttles for 10 minutes
FLOW_RETRIES = 2        # members batchSend reports as flow-controlled are tried again
# batchSend's lists of members it did not deliver to, and what each means.
UNDELIVERED_FIELDS = {
    "invalidStaffIdList": "钉钉 userId 无效，或不是本组织的成员（invalidStaffIdList）",
    "filteredStaffIdList": "钉钉过滤了这条消息，未送达（filteredStaffIdList）",
}
FLOW_REASON = "钉钉限流，重试后仍未送达（flowControlledStaffIdList）"


class SessionBook:
    """A member's live one-to-one sessionWebhook, from the messages they sent."""

    def __init__(self, session_factory, clock, margin: timedelta = timedelta(minutes=2)):
        self.session_factory = session_factory
        self.clock = clock
        self.margin = margin

    def webhook(self, user_id: str) -> str | None:
        """The newest one-to-one webhook of the member still good for the margin, if any."""
        now = self.clock.now()
        with UnitOfWork(self.session_factory) as uow:
            payloads = uow.session.scalars(
                select(InboundMessage.payload).where(
                    InboundMessage.channel == "dingtalk",
                    InboundMessage.platform_user_id == user_id,
                    InboundMessage.received_at >= now - timedelta(hours=2))
                .order_by(InboundMessage.id.desc()).limit(20)).all()
        deadline = epoch_ms(now + self.margin)
        for payload in payloads:
            payload = payload or {}
            if (payload.get("conversation_type") == "1" and payload.get("session_webhook")
                    and (payload.get("session_expires_ms") or 0) > deadline):
                return payload["session_webhook"]
        return None


class DingtalkSender:
    """Sends through one internal app's robot and one custom group robot, rate-limited."""

    def __init__(self, api: DingtalkApi, group_token: str = "", group_secret: str = "",
                 sessions: SessionBook | None = None, clock=None,
                 calls: SlidingWindow | None = None, group: SlidingWindow | None = None):
        self.api = api
        self.group_token, self.group_secret = group_token, group_secret
        self.sessions = sessions
        self.clock = clock or SystemClock()
        self.calls = calls or SlidingWindow(CALLS_PER_SECOND, 1.0)
        self.group = group or SlidingWindow(GROUP_PER_MINUTE, 60.0)

    def send_text(self, user_ids: list[str], text: str) -> SendResult:
        """Send plain text; over 2048 bytes it goes as several messages, split at lines."""
        return self._send(user_ids, [
            ("sampleText", {"content": part}, {"msgtype": "text", "text": {"content": part}})
            for part in split_text(text)])

    def send_markdown(self, user_ids: list[str], title: str, text: str) -> SendResult:
        """Send markdown, the title in bold on the first line (and as the preview title)."""
        body, title = (f"**{title}**\n{text}" if title else text), title or "通知"
        return self._send(user_ids, [
            ("sampleMarkdown", {"title": title, "text": part},
             {"msgtype": "markdown", "markdown": {"title": title, "text": part}})
            for part in split_text(body)])

    def send_group(self, text: str) -> None:
        """Post text to the custom group robot, at most 20 messages a minute."""
        if not self.group_token:
            raise PlatformError("no group robot configured: set [dingtalk] group_webhook_token "
                                "and group_webhook_secret")
        for part in split_text(text):
            self.group.acquire([f"robot:{self.group_token}"])
            self.api.post_robot(self.group_token, self.group_secret,
                                {"msgtype": "text", "text": {"content": part}},
                                epoch_ms(self.clock.now()))

    def _send(self, user_ids: list[str], messages: list[tuple[str, dict, dict]]) -> SendResult:
        users = [u for u in dict.fromkeys(user_ids) if u]
        if not users or not messages:
            return SendResult(sent=0, invalid_users=[], calls=0)
        if len(users) == 1 and self.sessions is not None:
            sent = self._by_session(users[0], messages)
            if sent is not None:
                return sent
        reasons: dict[str, str] = {}   # id -> why it was not delivered
        throttled, calls = set(), 0
        for start in range(0, len(users), MAX_USERS_PER_CALL):
            batch = users[start:start + MAX_USERS_PER_CALL]
            for key, param, _ in messages:
                refused, late, spent = self._batch(batch, key, json.dumps(param, ensure_ascii=False))
                for user, reason in refused.items():
                    reasons.setdefault(user, reason)
                throttled |= late
                calls += spent
        throttled -= set(reasons)
        if throttled:
            if not set(users) - set(reasons) - throttled:
                raise DingtalkError(f"batchSend: every member flow-controlled: {sorted(throttled)}",
                                    transient=True)
            log.error("DingTalk flow-controlled %s: not delivered", sorted(throttled))
            reasons.update(dict.fromkeys(throttled, FLOW_REASON))
        undelivered = {u: reasons[u] for u in users if u in reasons}
        return SendResult(sent=len(users) - len(undelivered), invalid_users=list(undelivered),
                          calls=calls, reasons=undelivered)

    def _batch(self, batch: list[str], key: str, param: str) -> tuple[dict, set, int]:
        """Send one message to one batch: (refused ids and why, still flow-controlled ids,
        calls)."""
        pending, refused, calls = list(batch), {}, 0
        for attempt in range(FLOW_RETRIES + 1):
            self.calls.acquire(["batchSend"])
            try:
                answer = self.api.batch_send(pending, key, param)
            except DingtalkError as exc:
                calls += exc.calls
                if exc.status == 400 and any(w in str(exc.code).lower() for w in ("userid", "staffid")):
                    reason = f"钉钉拒收了这批 userId（{exc.code}）"   # every id of the batch
                    return {**dict.fromkeys(pending, reason), **refused}, set(), calls
                raise
            calls += answer.calls
            for field, reason in UNDELIVERED_FIELDS.items():
                for user in _ids(answer.data, field):
                    refused.setdefault(user, reason)
            pending = [u for u in _ids(answer.data, "flowControlledStaffIdList") if u in pending]
            if not pending:
                return refused, set(), calls
            if attempt < FLOW_RETRIES:
                self.api.sleep(self.api.backoff * 2 ** attempt)
        return refused, set(pending), calls

    def _by_session(self, user: str, messages: list[tuple[str, dict, dict]]) -> SendResult | None:
        url = self.sessions.webhook(user)
        if url is None:
            return None
        calls = 0
        try:
            for _, _, body in messages:
                calls += self.api.post_session(url, body).calls
        except DingtalkError as exc:
            if calls:   # a part went out already: resending it all would repeat it
                raise
            log.warning("sessionWebhook of %s failed (%s); sending by batchSend", user, exc)
            return None
        return SendResult(sent=1, invalid_users=[], calls=calls)


def _ids(data: dict, key: str) -> list[str]:
    value = data.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def build_dingtalk(config, session_factory, clock) -> tuple[DingtalkApi, DingtalkSender] | None:
    """The DingTalk client and sender from [dingtalk], or None when nothing is set.

    Raises:
        ConfigError: half a pair of keys (app_key/app_secret, group webhook token/secret).
    """
    d = config.dingtalk
    if not (d.app_key or d.app_secret or d.group_webhook_token or d.group_webhook_secret):
        return None
    for have, need in (("app_key", "app_secret"), ("app_secret", "app_key"),
                       ("group_webhook_secret", "group_webhook_token")):
        if getattr(d, have) and not getattr(d, need):
            raise ConfigError(f"config key dingtalk.{need} must be set when dingtalk.{have} is")
    f = config.files
    tokens = TokenCache(session_factory, f"dingtalk:{d.app_key}"[:64], clock)
    api = DingtalkApi(api_base=d.api_base, oapi_base=d.oapi_base, app_key=d.app_key,
                      app_secret=d.app_secret, robot_code=d.robot_code, tokens=tokens,
                      max_media_bytes=max(f.photo_max_mb, f.document_max_mb) * 1024 * 1024 + 1)
    return api, DingtalkSender(api, d.group_webhook_token, d.group_webhook_secret,
                               sessions=SessionBook(session_factory, clock), clock=clock)
