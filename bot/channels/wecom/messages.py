"""WeCom XML: parse it safely, translate it to `Incoming`, render the passive text reply."""
from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.channels.wecom.crypto import MalformedMessage
from bot.messages import Incoming, storable_text

CHANNEL = "wecom"
_DIGITS = re.compile(r"[0-9]{1,32}")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_USER_ID = 128


def parse_xml(data: bytes | str) -> dict[str, str]:
    """The children of the root `<xml>` element as tag -> text, parsed by defusedxml.

    No DTD ever: that is where entity expansion ("billion laughs") and external
    entities live, and WeCom never sends one, so any is refused, whatever the
    document's encoding.

    Raises:
        MalformedMessage: a DTD or entity declaration, not XML, or another root.
    """
    # A lone surrogate becomes bytes that are not UTF-8, which the parser refuses.
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise MalformedMessage("XML with a DOCTYPE or ENTITY declaration") from None
    except (ET.ParseError, ValueError, LookupError):  # LookupError: unknown encoding
        raise MalformedMessage("not well-formed XML") from None
    if root.tag != "xml":
        raise MalformedMessage("the root element is not <xml>")
    return {child.tag: child.text or "" for child in root}


def parse_message(plaintext: str) -> dict[str, str]:
    """The fields of a decrypted (so signed) message, parsed as `parse_xml` does.

    Characters XML 1.0 does not allow (a pasted vertical tab, a bell) are dropped first,
    and a lone surrogate becomes U+FFFD: a signed message with odd characters is kept,
    not refused.

    Raises:
        MalformedMessage: as `parse_xml`.
    """
    return parse_xml(_XML_ILLEGAL.sub("", storable_text(plaintext)))


def to_incoming(fields: dict[str, str], received_at: datetime) -> Incoming:
    """Translate a decrypted message or event to the internal message.

    Raises:
        MalformedMessage: a required field is missing or of the wrong shape.
    """
    user = fields.get("FromUserName", "").strip()
    if not user or len(user) > MAX_USER_ID:
        raise MalformedMessage("FromUserName is missing or too long")
    created = fields.get("CreateTime", "").strip()
    if not _DIGITS.fullmatch(created):
        raise MalformedMessage("CreateTime is missing or not a number")
    sent_at = _instant(int(created))
    msg_type = fields.get("MsgType", "").strip().lower()
    common = dict(channel=CHANNEL, user_id=user, received_at=received_at, sent_at=sent_at)
    if msg_type == "event":
        event = fields.get("Event", "").strip()
        return Incoming(kind="event", msg_id=_event_id(user, created, event), **common,
                        payload={"event": event, "event_key": fields.get("EventKey", "")})
    msg_id = fields.get("MsgId", "").strip()
    if not _DIGITS.fullmatch(msg_id):
        raise MalformedMessage("MsgId is missing or not a number")
    common["msg_id"] = msg_id
    if msg_type == "text":
        return Incoming(kind="text", text=fields.get("Content", ""), **common)
    if msg_type == "link":
        parts = [fields.get(k, "").strip() for k in ("Title", "Description", "Url")]
        return Incoming(kind="text", text="\n".join(p for p in parts if p), **common,
                        payload={"type": "link"})
    if msg_type in ("image", "file"):
        media_id = fields.get("MediaId", "").strip()
        if not media_id or len(media_id) > 512:
            raise MalformedMessage("MediaId is missing or too long")
        if msg_type == "image":
            return Incoming(kind="photo", **common,
                            payload={"media_id": media_id, "pic_url": fields.get("PicUrl", "")})
        name = (fields.get("FileName") or fields.get("Title") or "").strip()[:200] or None
        return Incoming(kind="document", filename=name, **common,
                        payload={"media_id": media_id, "pic_url": ""})
    # voice, video, location and whatever WeCom adds later: the handler says what we take.
    return Incoming(kind="unsupported", **common, payload={"type": msg_type[:20]})


def render_text_reply(user_id: str, corp_id: str, agent_id: str, content: str,
                      timestamp: int) -> str:
    """The plaintext XML of a passive text reply, CDATA-safe whatever the content."""
    agent = agent_id if _DIGITS.fullmatch(agent_id or "") else "0"
    return ("<xml>"
            f"<ToUserName>{_cdata(user_id)}</ToUserName>"
            f"<FromUserName>{_cdata(corp_id)}</FromUserName>"
            f"<CreateTime>{int(timestamp)}</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{_cdata(content)}</Content>"
            f"<AgentID>{agent}</AgentID>"
            "</xml>")


def _cdata(text: str) -> str:
    # "]]>" would end the section early: close it and open a new one around the ">".
    text = _XML_ILLEGAL.sub("", text)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _instant(seconds: int) -> datetime | None:
    """CreateTime as an instant; None beyond what a datetime holds (the receipt time counts)."""
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _event_id(user: str, created: str, event: str) -> str:
    msg_id = f"event:{user}:{created}:{event}"
    if len(msg_id) <= 128:
        return msg_id
    return "event:" + hashlib.sha256(msg_id.encode("utf-8")).hexdigest()
