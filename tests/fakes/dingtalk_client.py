"""A client that plays DingTalk's server for one enterprise robot: it builds robot
messages as DingTalk does (the documented JSON, sessionWebhook from the fake API) and
signs the HTTP callbacks with the published formula, written here independently of the
bot: sign = Base64(HmacSHA256(key=appSecret, msg=timestamp + "\\n" + appSecret))."""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

import requests

APP_KEY = "dingfakeappkey0001"
APP_SECRET = "fake-app-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
CORP_ID = "dingcorp0000000001"
_ids = itertools.count(1)


def sign(timestamp: str, secret: str = APP_SECRET) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode("utf-8"),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class DingtalkMember:
    """A member (senderStaffId) talking to the robot, through DingTalk's servers."""

    def __init__(self, url: str, clock, fake_api, staff_id: str | None = "manager0001",
                 conversation_type: str = "1", secret: str = APP_SECRET):
        self.url, self.clock, self.fake = url, clock, fake_api
        self.staff_id, self.conversation_type, self.secret = staff_id, conversation_type, secret
        self.webhook = fake_api.session_webhook(staff_id or "outsider", conversation_type)

    def now_ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    def message(self, msgtype: str, msg_id: str | None = None, **fields: Any) -> dict:
        """A robot message body as DingTalk writes it."""
        created = self.now_ms()
        body = {"conversationId": "cidFAKE0000000000000001==", "atUsers": [],
                "chatbotCorpId": CORP_ID, "chatbotUserId": "$:LWCP_v1:$robot",
                "msgId": msg_id or f"msgFAKE{next(_ids):012d}==",
                "senderNick": "张三", "isAdmin": False, "senderCorpId": CORP_ID,
                "sessionWebhookExpiredTime": created + 5_400_000,
                "createAt": created, "conversationType": self.conversation_type,
                "senderId": "$:LWCP_v1:$senderencrypted", "robotCode": APP_KEY,
                "sessionWebhook": self.webhook, "msgtype": msgtype, **fields}
        if self.staff_id is not None:
            body["senderStaffId"] = self.staff_id
        if self.conversation_type == "2":
            body.update(conversationTitle="县文明实践联络员群", isInAtList=True)
        return body

    def text(self, content: str, msg_id: str | None = None) -> dict:
        # In a group the content follows the @mention after a space; in 1:1 too, often.
        return self.message("text", msg_id, text={"content": " " + content})

    def picture(self, code: str, msg_id: str | None = None) -> dict:
        return self.message("picture", msg_id,
                            content={"downloadCode": code, "pictureDownloadCode": code + "-p"})

    def headers(self, timestamp: str | None = None, signature: str | None = None) -> dict:
        timestamp = timestamp if timestamp is not None else str(self.now_ms())
        return {"Content-Type": "application/json; charset=utf-8", "timestamp": timestamp,
                "sign": signature if signature is not None else sign(timestamp, self.secret)}

    def post(self, body: dict | bytes, **headers) -> requests.Response:
        """POST a signed callback; return our server's raw response."""
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        return requests.post(f"{self.url}/dingtalk/callback", data=data,
                             headers=self.headers(**headers), timeout=10)

    def replies(self, before: int, count: int = 1, timeout: float = 10.0) -> list[str]:
        """Wait until `count` more texts reached this member than `before`; return them."""
        end = time.monotonic() + timeout
        while True:
            texts = self.fake.texts_for(self.staff_id)
            if len(texts) >= before + count or time.monotonic() > end:
                return texts[before:]
            time.sleep(0.02)

    def say(self, content: str, msg_id: str | None = None) -> str:
        """Send text; return the reply that came back through the sessionWebhook."""
        before = len(self.fake.texts_for(self.staff_id))
        resp = self.post(self.text(content, msg_id))
        assert resp.status_code == 200, resp.text
        got = self.replies(before)
        assert got, "no reply reached the member"
        return "\n".join(got)
