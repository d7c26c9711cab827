"""The WeCom sender: app messages to members, and the group robot for office digests."""
from __future__ import annotations

from bot.channels.clients import TokenCache
from bot.channels.sending import PlatformError, SendResult, SlidingWindow, split_text
from bot.channels.wecom.api import ALL_RECIPIENTS_INVALID, WecomApi, WecomError
from bot.channels.wecom.settings import api_on

MAX_USERS_PER_CALL = 1000      # message/send touser
MEMBER_PER_MINUTE = 30         # an app to one member; WeCom silently drops the rest
GROUP_PER_MINUTE = 20          # a group robot's webhook
DUPLICATE_CHECK_SECONDS = 600  # a retried send that did arrive is not delivered twice
# message/send's lists of members it did not deliver to, and what each means.
UNDELIVERED_FIELDS = {
    "invaliduser": "企业微信账号不存在或不在应用的可见范围（invaliduser）",
    "unlicenseduser": "在应用可见范围内，但没有企业微信接口许可（unlicenseduser）",
}
ALL_INVALID_REASON = "企业微信账号不存在或无权限，整批未送达（81013）"


class WecomSender:
    """Sends through one self-built app, queued under WeCom's rate limits."""

    def __init__(self, api: WecomApi, agent_id: int, webhook_key: str = "",
                 members: SlidingWindow | None = None, group: SlidingWindow | None = None):
        self.api = api
        self.agent_id = agent_id
        self.webhook_key = webhook_key
        self.members = members or SlidingWindow(MEMBER_PER_MINUTE, 60.0)
        self.group = group or SlidingWindow(GROUP_PER_MINUTE, 60.0)

    def send_text(self, user_ids: list[str], text: str) -> SendResult:
        """Send plain text; over 2048 bytes it goes as several messages, split at lines."""
        return self._send(user_ids, [{"msgtype": "text", "text": {"content": part}}
                                     for part in split_text(text)])

    def send_markdown(self, user_ids: list[str], title: str, text: str) -> SendResult:
        """Send WeCom markdown, the title in bold on the first line."""
        body = f"**{title}**\n{text}" if title else text
        return self._send(user_ids, [{"msgtype": "markdown", "markdown": {"content": part}}
                                     for part in split_text(body)])

    def send_group(self, text: str) -> None:
        """Post text to the group robot, at most 20 messages a minute."""
        if not self.webhook_key:
            raise PlatformError("no group robot configured: set [wecom] webhook_key")
        for part in split_text(text):
            self.group.acquire([f"webhook:{self.webhook_key}"])
            self.api.post_webhook(self.webhook_key,
                                  {"msgtype": "text", "text": {"content": part}})

    def _send(self, user_ids: list[str], messages: list[dict]) -> SendResult:
        users = [u for u in dict.fromkeys(user_ids) if u]
        if not users or not messages:
            return SendResult(sent=0, invalid_users=[], calls=0)
        reasons: dict[str, str] = {}   # lowercased id -> why it was not delivered
        calls = 0
        for start in range(0, len(users), MAX_USERS_PER_CALL):
            batch = users[start:start + MAX_USERS_PER_CALL]
            for message in messages:
                self.members.acquire(batch)
                body = {"touser": "|".join(batch), "agentid": self.agent_id, **message,
                        "enable_duplicate_check": 1,
                        "duplicate_check_interval": DUPLICATE_CHECK_SECONDS}
                try:
                    answer = self.api.send_message(body)
                except WecomError as exc:
                    if exc.code != ALL_RECIPIENTS_INVALID:
                        raise
                    calls += exc.calls
                    for user in batch:
                        reasons.setdefault(user.lower(), ALL_INVALID_REASON)
                    continue
                calls += answer.calls
                for key, reason in UNDELIVERED_FIELDS.items():
                    for user in str(answer.data.get(key) or "").split("|"):
                        if user.strip():
                            reasons.setdefault(user.strip().lower(), reason)
        # WeCom lowercases the user ids it returns; report them as we know them.
        undelivered = {u: reasons[u.lower()] for u in users if u.lower() in reasons}
        return SendResult(sent=len(users) - len(undelivered), invalid_users=list(undelivered),
                          calls=calls, reasons=undelivered)


def build_wecom(config, session_factory, clock) -> tuple[WecomApi, WecomSender] | None:
    """The WeCom client and sender from [wecom], or None when no secret is set.

    Raises:
        ConfigError: [wecom] is half configured (settings.api_on).
    """
    w = config.wecom
    if not api_on(w):
        return None
    f = config.files
    tokens = TokenCache(session_factory, f"wecom:{w.corp_id}:{w.agent_id}"[:64], clock)
    api = WecomApi(base_url=w.api_base, corp_id=w.corp_id, secret=w.secret, tokens=tokens,
                   max_media_bytes=max(f.photo_max_mb, f.document_max_mb) * 1024 * 1024 + 1)
    return api, WecomSender(api, w.agent_id, w.webhook_key)
