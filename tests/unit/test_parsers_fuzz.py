"""Hypothesis fuzzes the platforms' parsers: whatever arrives (after WeCom's decryption, or
as a DingTalk body), the result is a storable internal message or the module's own
malformed-message error, never anything else."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.channels.dingtalk import messages as dingtalk_messages
from bot.channels.wecom import messages as wecom_messages
from bot.channels.wecom.crypto import MalformedMessage as WecomMalformed
from bot.messages import MAX_ID, Incoming

NOW = datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)
NOW_MS = int(NOW.timestamp() * 1000)
BASE = "https://oapi.dingtalk.com"
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any code point, lone surrogates and NUL included.
ANY_TEXT = st.text(st.characters(codec=None, min_codepoint=0), max_size=60)
ODD_TEXT = st.one_of(ANY_TEXT, st.sampled_from(["", " ", "\x00", "\ud800", "\udfff", "]]>",
                                               "&amp;", "<a>", "\x0b", "\ufffe", "字" * 300]))


def assert_storable(msg: Incoming) -> None:
    """What a database, a JSON column and an export all take."""
    for value in (msg.user_id, msg.msg_id, msg.text, msg.filename or ""):
        value.encode("utf-8")   # no lone surrogate
        assert "\x00" not in value
    assert 0 < len(msg.msg_id) <= MAX_ID and 0 < len(msg.user_id) <= MAX_ID
    json.dumps(msg.payload, ensure_ascii=False).encode("utf-8")
    assert msg.at.tzinfo is not None


# --- WeCom: the decrypted plaintext XML ------------------------------------------------

WECOM_TAGS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId",
              "MediaId", "PicUrl", "FileName", "Title", "Description", "Url", "Event",
              "EventKey", "AgentID", "Format"]


def usually(strategy, otherwise):
    """`strategy` four times in five, else `otherwise`: most examples get past the checks."""
    return st.integers(0, 4).flatmap(lambda n: strategy if n else otherwise)


def wecom_value(tag: str):
    if tag in ("CreateTime", "MsgId", "AgentID"):
        return usually(st.integers(min_value=0, max_value=10 ** 40).map(str), ODD_TEXT)
    if tag == "MsgType":
        return usually(st.sampled_from(["text", "image", "file", "link", "event", "voice",
                                        "video", "location", "TEXT"]), ODD_TEXT)
    if tag == "FromUserName":
        return usually(ODD_TEXT.filter(lambda t: t.strip()), ODD_TEXT)
    return ODD_TEXT


def element(tag: str, value: str, cdata: bool) -> str:
    # CDATA as WeCom writes it, or escaped text: either way the characters XML allows.
    if cdata:
        return f"<{tag}><![CDATA[{value.replace(']]>', ']]]]><![CDATA[>')}]]></{tag}>"
    return f"<{tag}>{escape(value)}</{tag}>"


@st.composite
def wecom_messages_xml(draw) -> str:
    tags = draw(st.lists(st.sampled_from(WECOM_TAGS), max_size=10))
    if draw(usually(st.just(True), st.just(False))):
        tags = ["FromUserName", "CreateTime", "MsgType", "MsgId", "MediaId", *tags]
    parts = [element(t, draw(wecom_value(t)), draw(st.booleans())) for t in tags]
    root = draw(usually(st.just("xml"), st.sampled_from(["other", "XML", "x:xml"])))
    return f"<{root}>" + "\n".join(parts) + f"</{root}>"


def parse_wecom(plaintext: str) -> Incoming | None:
    """The message, or None for the module's own refusal; anything else fails the test."""
    try:
        msg = wecom_messages.to_incoming(wecom_messages.parse_message(plaintext), NOW)
    except WecomMalformed:
        event("malformed")
        return None
    assert_storable(msg)
    event(f"parsed: {msg.kind}")
    return msg


@FUZZ
@given(wecom_messages_xml())
def test_any_wecom_message_xml_is_a_message_or_malformed(plaintext):
    parse_wecom(plaintext)


ID_TEXT = ODD_TEXT.filter(lambda t: t.strip() and len(t) <= 100)
# A WeCom user id is read from XML: it needs a character XML allows (the rest are dropped).
XML_ID_TEXT = ID_TEXT.filter(lambda t: re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]",
                                              "", t).strip())


@FUZZ
@given(st.sampled_from(["text", "image", "file", "link", "voice", "event"]), XML_ID_TEXT, ODD_TEXT,
       st.integers(min_value=0, max_value=10 ** 32 - 1), st.integers(min_value=0, max_value=10 ** 20))
def test_a_documented_wecom_message_with_odd_values_is_always_a_message(
        msg_type, user, text, create_time, msg_id):
    fields = {"Content": text, "MediaId": "MEDIA", "FileName": text, "Title": text,
              "Event": text, "Url": text}
    parts = [element("FromUserName", user, True), f"<CreateTime>{create_time}</CreateTime>",
             element("MsgType", msg_type, True), f"<MsgId>{msg_id}</MsgId>",
             *(element(k, v, True) for k, v in fields.items())]
    msg = parse_wecom("<xml>" + "".join(parts) + "</xml>")
    assert msg is not None   # signed, so kept: odd characters never drop it


@FUZZ
@given(ANY_TEXT)
def test_any_wecom_plaintext_at_all_is_a_message_or_malformed(plaintext):
    parse_wecom(plaintext)


@FUZZ
@given(st.one_of(st.binary(max_size=200), wecom_messages_xml().flatmap(
    lambda xml: st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32"]).map(
        lambda enc: xml.encode(enc, "surrogatepass")))))
def test_any_wecom_envelope_bytes_are_fields_or_malformed(data):
    try:
        fields = wecom_messages.parse_xml(data)
    except WecomMalformed:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())


@FUZZ
@given(wecom_messages_xml(), st.sampled_from(['<!DOCTYPE xml [<!ENTITY e "x">]>',
                                              '<!DOCTYPE xml SYSTEM "file:///etc/passwd">',
                                              "<!DOCTYPE xml>"]),
       st.sampled_from(["utf-8", "utf-16", "utf-16-be"]))
def test_a_wecom_document_with_any_dtd_in_any_encoding_is_malformed(xml, dtd, encoding):
    declared = "utf-8" if encoding == "utf-8" else "utf-16"
    doc = f'<?xml version="1.0" encoding="{declared}"?>{dtd}{xml}'
    try:
        wecom_messages.parse_xml(doc.encode(encoding, "surrogatepass"))
    except WecomMalformed:
        return
    raise AssertionError("a DTD was parsed")


# --- DingTalk: the JSON body --------------------------------------------------------

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10 ** 30,
                                                                  max_value=10 ** 30),
                         st.floats(allow_nan=False), ODD_TEXT)
ANY_JSON = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(ODD_TEXT, inner, max_size=4)), max_leaves=12)


def maybe(value):
    """Usually the documented value, or odd text, else anything else in its place."""
    return usually(st.one_of(st.just(value), ODD_TEXT.filter(lambda t: t.strip())), ANY_JSON)


@st.composite
def dingtalk_bodies(draw) -> dict:
    msgtype = draw(usually(st.sampled_from(["text", "picture", "file", "richText", "audio",
                                            "video"]), ODD_TEXT))
    element = st.one_of(st.fixed_dictionaries({"text": ODD_TEXT}),
                        st.fixed_dictionaries({"downloadCode": maybe("CODE")},
                                              optional={"type": maybe("picture")}),
                        st.fixed_dictionaries({}, optional={
                            "text": ANY_JSON, "type": maybe("picture"),
                            "downloadCode": maybe("CODE"), "pictureDownloadCode": ODD_TEXT}))
    content = st.fixed_dictionaries({"downloadCode": maybe("CODE")}, optional={
        "fileName": maybe("小结.docx"),
        "richText": usually(st.lists(element, max_size=5), ANY_JSON)})
    fields = {
        "msgId": maybe("msgA1=="), "msgtype": st.just(msgtype),
        "createAt": usually(st.one_of(st.integers(min_value=-1, max_value=10 ** 25),
                                      st.just(NOW_MS)), ANY_JSON),
        "conversationType": usually(st.sampled_from(["1", "2", 1, 2]), ANY_JSON),
        "senderStaffId": maybe("manager0001"),
        "sessionWebhook": usually(st.one_of(st.just(f"{BASE}/robot/sendBySession?session=x"),
                                            ODD_TEXT.map(lambda t: f"{BASE}/robot/{t}")),
                                  ANY_JSON),
        "sessionWebhookExpiredTime": maybe(NOW_MS + 5_400_000),
        "text": usually(st.fixed_dictionaries({"content": ODD_TEXT}), ANY_JSON),
        "content": usually(content, ANY_JSON),
    }
    body = {}
    for key, strategy in fields.items():
        if draw(st.integers(0, 19)) > 0:   # now and then a key is missing
            body[key] = draw(strategy)
    return body


def parse_dingtalk(data: bytes) -> dingtalk_messages.RobotMessage | None:
    """The message, or None for the module's own refusal; anything else fails the test."""
    try:
        msg = dingtalk_messages.to_robot_message(dingtalk_messages.parse_body(data), NOW, BASE)
    except dingtalk_messages.MalformedMessage as exc:
        event(f"malformed: {exc}")
        return None
    event(f"parsed: {sorted({p.kind for p in msg.parts})}")
    for part in msg.parts:
        assert_storable(part)
    json.dumps({"msg_id": msg.msg_id, "user_id": msg.user_id,
                "webhook": msg.session_webhook}, ensure_ascii=False).encode("utf-8")
    return msg


@FUZZ
@given(dingtalk_bodies())
def test_any_dingtalk_body_is_a_message_or_malformed(body):
    parse_dingtalk(json.dumps(body).encode("ascii"))


@FUZZ
@given(st.sampled_from(["text", "picture", "file", "richText", "audio"]), ID_TEXT, ID_TEXT,
       ODD_TEXT, st.integers(min_value=0, max_value=10 ** 25), st.sampled_from(["1", "2"]),
       st.lists(st.one_of(st.fixed_dictionaries({"text": ODD_TEXT}),
                          st.fixed_dictionaries({"downloadCode": ID_TEXT}),
                          st.fixed_dictionaries({"type": st.just("picture"),
                                                 "downloadCode": ID_TEXT})), max_size=4))
def test_a_documented_dingtalk_body_with_odd_values_is_always_a_message(
        msgtype, msg_id, staff, text, create_at, conversation, rich):
    body = {"msgId": msg_id, "msgtype": msgtype, "createAt": create_at,
            "conversationType": conversation, "senderStaffId": staff,
            "sessionWebhook": f"{BASE}/robot/sendBySession?session=x",
            "sessionWebhookExpiredTime": NOW_MS + 5_400_000, "text": {"content": text},
            "content": {"downloadCode": "CODE", "fileName": text, "richText": rich}}
    msg = parse_dingtalk(json.dumps(body).encode("ascii"))
    assert msg is not None and msg.parts   # signed, so kept: odd characters never drop it


@FUZZ
@given(ANY_JSON)
def test_any_json_at_all_is_a_dingtalk_message_or_malformed(value):
    parse_dingtalk(json.dumps(value).encode("ascii"))


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.integers(1, 30000).map(
    lambda n: b"[" * n + b"]" * n), st.integers(1, 30000).map(lambda n: b'{"a":' * n)))
def test_any_bytes_are_a_dingtalk_message_or_malformed(data):
    parse_dingtalk(data)
