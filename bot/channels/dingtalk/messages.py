"""DingTalk robot messages: the JSON body (HTTP mode) or CALLBACK data (Stream mode),
checked and translated to internal messages.

One robot message can carry several things: a richText holds text and pictures, each
picture its own item. Every part gets its own platform id, `msgId` for a single part
and `msgId#n` for the n-th of several, so that the Conversation's dedup per
(channel, platform id) holds for each part and DingTalk's retries stay harmless.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any

from bot.channels.dingtalk.sign import CallbackRefused
from bot.messages import Incoming, storable_id

CHANNEL = "dingtalk"
MAX_MSG_ID = 120          # platform ids are 128 characters; "#n" must still fit
MAX_USER_ID = 128
MAX_CODE = 4096
# sessionWebhookExpiredTime must lie between 2001 and 2286, in milliseconds (createAt
# may be anything: scoring.counted_send_time decides whether it counts).
MIN_MS, MAX_MS = 10 ** 12, 10 ** 13
UNSUPPORTED = {"audio": "voice", "video": "video"}   # as help.unsupported names them


class MalformedMessage(CallbackRefused):
    """The body is not the documented JSON."""

    status = 400
    words = "消息格式不对，未处理。"


@dataclass(frozen=True)
class RobotMessage:
    """One delivery from DingTalk: who, where to answer, and what it carries."""

    msg_id: str
    user_id: str | None           # senderStaffId; None for someone outside the organisation
    conversation_type: str        # "1" one-to-one, "2" group
    session_webhook: str | None   # where a reply to this conversation goes, for ~90 minutes
    session_expires_ms: int | None
    parts: list[Incoming] = field(default_factory=list)


def parse_body(data: bytes) -> dict[str, Any]:
    """The JSON object of a callback body.

    Raises:
        MalformedMessage: not UTF-8 JSON, or not an object.
    """
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedMessage("body is not JSON") from None
    except RecursionError:   # nested thousands deep: nothing DingTalk sends
        raise MalformedMessage("body is JSON nested too deep") from None
    if not isinstance(body, dict):
        raise MalformedMessage("body is not a JSON object")
    return body


def to_robot_message(body: dict[str, Any], received_at: datetime,
                     webhook_base: str) -> RobotMessage:
    """Translate a robot message; `webhook_base` is where a genuine sessionWebhook points.

    Raises:
        MalformedMessage: a required field is missing or of the wrong shape.
    """
    # Odd characters in the ids are escaped (bot.messages), never a reason to drop it.
    msg_id = storable_id(_string(body, "msgId", MAX_MSG_ID), MAX_MSG_ID)
    msg_type = _string(body, "msgtype", 40)
    sent_at = _instant(_integer(body.get("createAt"), "createAt"))
    # Required: a group's webhook must never be taken for a one-to-one chat's.
    conversation = str(body.get("conversationType"))
    if conversation not in ("1", "2"):
        raise MalformedMessage("conversationType is missing, or neither 1 nor 2")
    webhook, expires = _webhook(body, webhook_base)
    staff = body.get("senderStaffId")
    if staff is not None and (not isinstance(staff, str) or len(staff) > MAX_USER_ID):
        raise MalformedMessage("senderStaffId is not a short string")
    user = storable_id((staff or "").strip()) or None
    message = RobotMessage(msg_id=msg_id, user_id=user, conversation_type=conversation,
                           session_webhook=webhook, session_expires_ms=expires)
    parts = _parts(body, msg_type)
    if user is None:
        return message
    payload = {"type": msg_type, "conversation_type": conversation}
    nick = body.get("senderNick")
    if isinstance(nick, str) and nick.strip():   # the name DingTalk shows; kept on binding
        payload["sender_name"] = nick.strip()[:100]
    if webhook:
        payload.update(session_webhook=webhook, session_expires_ms=expires)
    incoming = []
    for n, (kind, fields) in enumerate(parts, 1):
        part_id = msg_id if len(parts) == 1 else f"{msg_id}#{n}"
        incoming.append(Incoming(channel=CHANNEL, user_id=user, msg_id=part_id, kind=kind,
                                 received_at=received_at, sent_at=sent_at,
                                 text=fields.pop("text", ""),
                                 filename=fields.pop("filename", None),
                                 payload={**payload, **fields}))
    return replace(message, parts=incoming)


def _parts(body: dict[str, Any], msg_type: str) -> list[tuple[str, dict[str, Any]]]:
    """(kind, fields) of each thing the message carries, in order."""
    if msg_type == "text":
        text = body.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("content"), str):
            raise MalformedMessage("text.content is missing")
        # In a group the text follows the @mention, after a space.
        return [("text", {"text": text["content"].strip()})]
    content = body.get("content")
    if msg_type in ("picture", "file"):
        code = _code(content)
        if msg_type == "picture":
            return [("photo", {"download_code": code})]
        name = content.get("fileName")
        name = PurePath(name).name.strip()[:200] if isinstance(name, str) else ""
        return [("document", {"download_code": code, "filename": name or None})]
    if msg_type == "richText":
        return _rich_text(content)
    # audio, video and whatever DingTalk adds later: the handler says what we take.
    return [("unsupported", {"type": UNSUPPORTED.get(msg_type, msg_type[:20])})]


def _rich_text(content: Any) -> list[tuple[str, dict[str, Any]]]:
    elements = content.get("richText") if isinstance(content, dict) else None
    if not isinstance(elements, list) or not all(isinstance(e, dict) for e in elements):
        raise MalformedMessage("content.richText is not a list of objects")
    parts: list[tuple[str, dict[str, Any]]] = []
    texts: list[str] = []

    def close_text() -> None:
        joined = "".join(texts).strip()
        texts.clear()
        if joined:
            parts.append(("text", {"text": joined}))

    for element in elements:
        # A picture without "type" still carries its downloadCode: any such element is one.
        if element.get("type") == "picture" or element.get("downloadCode") is not None:
            close_text()
            parts.append(("photo", {"download_code": _code(element)}))
        elif isinstance(element.get("text"), str):
            texts.append(element["text"])
    close_text()
    return parts or [("text", {"text": ""})]


def _code(content: Any) -> str:
    code = content.get("downloadCode") if isinstance(content, dict) else None
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE:
        raise MalformedMessage("downloadCode is missing or too long")
    return code.strip()


def _webhook(body: dict[str, Any], base: str) -> tuple[str | None, int | None]:
    url = body.get("sessionWebhook")
    if url is None:
        return None, None
    # We POST replies there: only DingTalk's own host, never an address a body names.
    if (not isinstance(url, str) or not url.startswith(base.rstrip("/") + "/")
            or not (url.isascii() and url.isprintable())):
        raise MalformedMessage("sessionWebhook is not on the DingTalk webhook host")
    return url, _millis(body.get("sessionWebhookExpiredTime"), "sessionWebhookExpiredTime")


def _string(body: dict[str, Any], key: str, limit: int) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise MalformedMessage(f"{key} is missing or too long")
    return value.strip()


def _integer(value: Any, key: str) -> int:
    # The documentation types createAt as a String; the payloads carry numbers.
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedMessage(f"{key} is not a number of milliseconds")
    return value


def _millis(value: Any, key: str) -> int:
    value = _integer(value, key)
    if not MIN_MS <= value < MAX_MS:
        raise MalformedMessage(f"{key} is not a time in milliseconds")
    return value


def _instant(ms: int) -> datetime | None:
    """createAt as an instant; None beyond what a datetime holds (the receipt time counts)."""
    try:
        return datetime.fromtimestamp(ms / 1000, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
