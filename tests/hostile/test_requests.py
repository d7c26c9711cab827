"""Malformed, unsigned and forged requests on the three message surfaces: each gets a 4xx
with a Chinese message, nothing is stored, and the bot keeps serving; signed messages with
odd values are stored and answered in Chinese."""
from __future__ import annotations

import json

import requests

from tests.fakes.dingtalk_client import sign
from tests.fakes.wecom_client import CORP_ID, cdata, message_xml
from tests.hostile.conftest import CONSOLE_USER, WECOM_USER, House
from tests.hostile.corpus import SUMMARY, has_chinese
from tests.hostile.test_texts import check_stored_and_answered, dingtalk_says

DEEP_LIST = b"[" * 20000 + b"]" * 20000
DEEP_OBJECT = b'{"a":' * 20000 + b"1" + b"}" * 20000


def check_refused(house: House, name: str, before: tuple[int, int],
                  resp: requests.Response, problems: list[str]) -> None:
    if resp.status_code // 100 != 4:
        problems.append(f"{name}: HTTP {resp.status_code}, not 4xx")
    elif house.stored() != before:
        problems.append(f"{name}: something was stored")
    elif not has_chinese(resp.text):
        problems.append(f"{name}: the refusal is not Chinese: {resp.text[:80]!r}")


# --- WeCom ----------------------------------------------------------------------------

def wecom_refusals(house: House) -> list[tuple[str, str, dict, bytes]]:
    """(name, method, query, body) of WeCom requests that must be refused."""
    client, ts, nonce = house.wecom.client, house.wecom.now(), "9001"
    xml = message_xml(CORP_ID, WECOM_USER, int(ts), "text", "8800001", Content=SUMMARY)
    query, body = client.callback(xml, ts, nonce)

    def signed(encrypt: str, envelope: str | None = None) -> tuple[dict, bytes]:
        env = envelope or f"<xml><ToUserName>{cdata(CORP_ID)}</ToUserName>" \
                          f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>"
        return {"msg_signature": client.sign(ts, nonce, encrypt), "timestamp": ts,
                "nonce": nonce}, env.encode()

    def signed_plain(plaintext: str) -> tuple[dict, bytes]:
        return client.callback(plaintext, ts, nonce)

    laughs = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY a{i} "{"&a;" * 10}">' for i in range(8))
              + "]><xml><Encrypt>&a7;</Encrypt></xml>").encode()
    external = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                b"<xml><Encrypt>&e;</Encrypt></xml>")
    utf16_dtd = ('<?xml version="1.0" encoding="utf-16"?><!DOCTYPE xml [<!ENTITY e "A">]>'
                 + body.decode()).encode("utf-16")
    encrypt = client.encrypt(xml)
    return [
        ("wrong signature", "POST", dict(query, msg_signature="0" * 40), body),
        ("empty signature", "POST", dict(query, msg_signature=""), body),
        ("signature of another nonce", "POST", dict(query, nonce="9002"), body),
        ("signature of another timestamp", "POST", dict(query, timestamp=str(int(ts) + 1)), body),
        ("no parameters", "POST", {}, body),
        ("no nonce", "POST", {k: v for k, v in query.items() if k != "nonce"}, body),
        ("a 4 KB nonce", "POST", dict(query, nonce="1" * 4096), body),
        ("wrong corp id", "POST", *client.callback(xml, ts, nonce, receive_id="wwOther000")),
        ("not XML", "POST", query, b"this is not xml"),
        ("empty body", "POST", query, b""),
        ("JSON body", "POST", query, b'{"Encrypt": "x"}'),
        ("no Encrypt element", "POST", *signed("", "<xml><ToUserName>x</ToUserName></xml>")),
        ("another root element", "POST", *signed(encrypt, f"<html><Encrypt>{cdata(encrypt)}"
                                                        "</Encrypt></html>")),
        ("ciphertext not base64", "POST", *signed("%%%not-base64%%%")),
        ("ciphertext not whole blocks", "POST", *signed("QUJD")),
        ("garbled ciphertext", "POST", *signed("A" * 64)),
        ("entity expansion", "POST", query, laughs),
        ("external entity", "POST", query, external),
        ("a DTD in a UTF-16 envelope", "POST", query, utf16_dtd),
        ("a DTD inside the ciphertext", "POST", *signed_plain('<!DOCTYPE x [<!ENTITY e "e">]>'
                                                            + xml)),
        ("signed plaintext that is not XML", "POST", *signed_plain("hello, not xml")),
        ("signed plaintext without a sender", "POST", *signed_plain(
            f"<xml><ToUserName>{cdata(CORP_ID)}</ToUserName><MsgType>text</MsgType>"
            "<Content>x</Content><MsgId>1</MsgId><CreateTime>1</CreateTime></xml>")),
        ("signed plaintext with a 10 KB sender", "POST", *signed_plain(
            message_xml(CORP_ID, "u" * 10_000, int(ts), "text", "8800002", Content="x"))),
        ("over 64 KB", "POST", *client.callback(xml.replace(SUMMARY, "字" * 30000), ts, nonce)),
        ("verification with a wrong signature", "GET",
         dict(client.verification("123", ts, nonce), msg_signature="0" * 40), b""),
        ("verification without echostr", "GET",
         {k: v for k, v in client.verification("123", ts, nonce).items() if k != "echostr"}, b""),
    ]


def test_every_bad_wecom_request_gets_a_chinese_4xx_and_stores_nothing(house):
    problems: list[str] = []
    for name, method, query, body in wecom_refusals(house):
        before = house.stored()
        resp = requests.request(method, f"{house.url}/wecom/callback", params=query, data=body,
                                timeout=30)
        check_refused(house, name, before, resp, problems)
    assert not problems, "\n".join(problems)
    assert house.healthy() and "县委党校" in house.wecom.say(SUMMARY)


def test_signed_wecom_messages_with_odd_values_are_stored_and_answered(house):
    member, problems = house.wecom, []
    odd = [("CreateTime 0", {"create_time": 0}), ("CreateTime in 2100", {"create_time":
                                                                          4102444800}),
           ("CreateTime at the end of year 9999", {"create_time": 253402300799}),
           ("CreateTime beyond any calendar", {"create_time": 10 ** 20}),
           ("an empty text", {"Content": ""}), ("a text of spaces", {"Content": "   "}),
           ("a message type nobody knows", {"msg_type": "hologram"}),
           ("a location", {"msg_type": "location", "Location_X": "33.0", "Location_Y": "107.7",
                           "Label": "西乡县"}),
           ("a voice message", {"msg_type": "voice", "MediaId": "V1", "Format": "amr"}),
           ("a link", {"msg_type": "link", "Title": "=1+1", "Url": "javascript:alert(1)"})]
    for n, (name, change) in enumerate(odd):
        fields = dict(change)
        create_time = fields.pop("create_time", int(member.now()))
        msg_type = fields.pop("msg_type", "text")
        if msg_type == "text":
            fields.setdefault("Content", SUMMARY)
        xml = message_xml(CORP_ID, WECOM_USER, create_time, msg_type, str(8900000 + n), **fields)
        query, body = member.client.callback(xml, member.now(), str(7000 + n))
        before = house.stored()
        resp = requests.post(f"{house.url}/wecom/callback", params=query, data=body, timeout=30)
        reply = member.reply(resp) if resp.status_code == 200 and resp.content else ""
        check_stored_and_answered(house, name, before, resp.status_code, reply, problems)
    assert not problems, "\n".join(problems)


# --- DingTalk -------------------------------------------------------------------------

def dingtalk_refusals(house: House) -> list[tuple[str, bytes, dict]]:
    """(name, body, header overrides) of DingTalk callbacks that must be refused."""
    member = house.dingtalk
    good = member.text(SUMMARY)
    ts = str(member.now_ms())

    def body(value) -> bytes:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")

    def without(key: str) -> bytes:
        return body({k: v for k, v in good.items() if k != key})

    return [
        ("wrong sign", body(good), {"signature": sign(ts, "wrong-secret")}),
        ("no sign", body(good), {"signature": ""}),
        ("sign not base64", body(good), {"signature": "%%%"}),
        ("sign of another timestamp", body(good), {"timestamp": ts,
                                                   "signature": sign(str(int(ts) + 1))}),
        ("stale timestamp", body(good), {"timestamp": str(int(ts) - 3601_000),
                                         "signature": sign(str(int(ts) - 3601_000))}),
        ("timestamp an hour ahead", body(good), {"timestamp": str(int(ts) + 3601_000),
                                                 "signature": sign(str(int(ts) + 3601_000))}),
        ("timestamp not a number", body(good), {"timestamp": "yesterday",
                                                "signature": sign("yesterday")}),
        ("timestamp of 400 digits", body(good), {"timestamp": "9" * 400,
                                                 "signature": sign("9" * 400)}),
        ("not JSON", b"msgtype=text&content=hi", {}),
        ("a JSON list", b"[1, 2]", {}),
        ("a JSON string", b'"text"', {}),
        ("JSON null", b"null", {}),
        ("empty body", b"", {}),
        ("not UTF-8", b'{"msgId": "\xff\xfe"}', {}),
        ("NaN inside", body(good).replace(b'"createAt": ', b'"createAt": NaN, "x": '), {}),
        ("a list nested 20,000 deep", DEEP_LIST, {}),
        ("an object nested 20,000 deep", DEEP_OBJECT, {}),
        ("no msgId", without("msgId"), {}),
        ("no msgtype", without("msgtype"), {}),
        ("msgId a number", body(dict(good, msgId=12345)), {}),
        ("msgId a list", body(dict(good, msgId=["a"])), {}),
        ("createAt not a time", body(dict(good, createAt="yesterday")), {}),
        ("msgId of 300 characters", body(dict(good, msgId="m" * 300)), {}),
        ("a conversation type that is neither 1 nor 2", body(dict(good, conversationType="9")),
         {}),
        ("text not an object", body(dict(good, text="hello")), {}),
        ("text without content", body(dict(good, text={})), {}),
        ("content a number", body(dict(good, text={"content": 5})), {}),
        ("picture without downloadCode", body(member.message("picture", content={})), {}),
        ("webhook on another host", body(dict(good, sessionWebhook="https://evil.example/x")), {}),
        ("senderStaffId of 10 KB", body(dict(good, senderStaffId="s" * 10_000)), {}),
        ("over 64 KB", body(member.text("字" * 30000)), {}),
    ]


def test_every_bad_dingtalk_callback_gets_a_chinese_4xx_and_stores_nothing(house):
    problems: list[str] = []
    for name, body, headers in dingtalk_refusals(house):
        before = house.stored()
        resp = house.dingtalk.post(body, **headers)
        check_refused(house, name, before, resp, problems)
    assert not problems, "\n".join(problems)
    assert house.healthy() and "县委党校" in house.dingtalk.say(SUMMARY)


def test_signed_dingtalk_messages_with_odd_values_are_stored_and_answered(house):
    member, problems = house.dingtalk, []
    now = member.now_ms()
    odd = [("createAt 0", {"createAt": 0}), ("createAt 10^12", {"createAt": 10 ** 12}),
           ("createAt 30 days ago", {"createAt": now - 30 * 86_400_000}),
           ("createAt a day ahead", {"createAt": now + 86_400_000}),
           ("createAt as a string", {"createAt": str(now)}),
           ("a msgId with a NUL and a surrogate", {"msgId": "m\x00\ud800-odd"}),
           ("a group message", {"conversationType": "2", "conversationTitle": "=1+1",
                                "isInAtList": True}),
           ("createAt of 400 digits", {"createAt": 10 ** 400}),
           ("extra fields nobody knows", {"x-extra": {"deep": [1, 2, {"a": None}]}}),
           ("an unknown msgtype", {"msgtype": "hologram"}),
           ("an empty text", {"text": {"content": ""}}),
           ("rich text with a picture lacking its type", {"msgtype": "richText", "content": {
               "richText": [{"text": SUMMARY}, {"downloadCode": "RICH-ODD-1"}]}})]
    house.dingtalk_api.add_file("RICH-ODD-1", b"not an image")
    for name, change in odd:
        body = json.dumps({**member.text(SUMMARY), **change}).encode("ascii")
        before = house.stored()
        status, reply = dingtalk_says(house, body)
        parts = len(change.get("content", {}).get("richText", [None]))
        check_stored_and_answered(house, name, before, status, reply, problems, parts)
    assert not problems, "\n".join(problems)


# --- The console API ------------------------------------------------------------------

def console_refusals() -> list[tuple[str, dict]]:
    """(name, requests keyword arguments) of console API requests that must be refused."""
    def js(value) -> dict:
        return {"data": json.dumps(value, ensure_ascii=False).encode("utf-8"),
                "headers": {"Content-Type": "application/json"}}

    raw = {"headers": {"Content-Type": "application/json"}}
    return [
        ("not JSON", {**raw, "data": b"{user: 1"}),
        ("empty JSON body", {**raw, "data": b""}),
        ("a JSON list", {**raw, "data": b"[1, 2]"}),
        ("JSON null", {**raw, "data": b"null"}),
        ("not UTF-8", {**raw, "data": b'{"user": "\xff", "text": "x"}'}),
        ("a list nested 20,000 deep", {**raw, "data": DEEP_LIST}),
        ("an object nested 20,000 deep", {**raw, "data": DEEP_OBJECT}),
        ("no user", js({"text": SUMMARY})),
        ("user empty", js({"user": "", "text": SUMMARY})),
        ("user of spaces", js({"user": "   ", "text": SUMMARY})),
        ("user a number", js({"user": 5, "text": SUMMARY})),
        ("user a list", js({"user": [CONSOLE_USER], "text": SUMMARY})),
        ("user of 10 KB", js({"user": "u" * 10_000, "text": SUMMARY})),
        ("no text", js({"user": CONSOLE_USER})),
        ("text a number", js({"user": CONSOLE_USER, "text": 5})),
        ("text an object", js({"user": CONSOLE_USER, "text": {"a": 1}})),
        ("id a number", js({"user": CONSOLE_USER, "text": SUMMARY, "id": 5})),
        ("id of 10 KB", js({"user": CONSOLE_USER, "text": SUMMARY, "id": "i" * 10_000})),
        ("plain text body", {"data": SUMMARY.encode(), "headers": {"Content-Type":
                                                                    "text/plain"}}),
        ("form-encoded body", {"data": {"user": CONSOLE_USER, "text": SUMMARY}}),
        ("multipart without a file or text", {"data": {"user": CONSOLE_USER},
                                              "files": {"other": ("a.txt", b"x")}}),
        ("multipart with an empty image", {"data": {"user": CONSOLE_USER},
                                           "files": {"image": ("a.jpg", b"", "image/jpeg")}}),
        ("multipart without a user", {"files": {"image": ("a.jpg", b"\xff\xd8", "image/jpeg")}}),
        ("an upload over the limit", {"data": {"user": CONSOLE_USER},
                                      "files": {"image": ("a.jpg", b"\xff" * (26 << 20),
                                                          "image/jpeg")}}),
    ]


def test_every_bad_console_request_gets_a_chinese_4xx_and_stores_nothing(house):
    problems: list[str] = []
    for name, kwargs in console_refusals():
        before = house.stored()
        resp = requests.post(f"{house.url}/console/api/messages", timeout=60, **kwargs)
        check_refused(house, name, before, resp, problems)
    for name, params in [("history without a user", {}), ("history of a blank user",
                                                        {"user": "  "})]:
        resp = requests.get(f"{house.url}/console/api/messages", params=params, timeout=30)
        if resp.status_code // 100 != 4 or not has_chinese(resp.text):
            problems.append(f"{name}: HTTP {resp.status_code} {resp.text[:80]!r}")
    assert not problems, "\n".join(problems)
    assert house.healthy()


def test_console_uploads_that_are_not_what_they_claim_are_kept_and_answered(house):
    problems: list[str] = []
    uploads = [("a text file called .jpg", "image", ("a.jpg", b"hello", "image/jpeg")),
               ("a truncated JPEG", "image", ("b.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg")),
               ("a zip called .docx", "file", ("c.docx", b"PK\x03\x04garbage", "application/zip")),
               ("a PDF header only", "file", ("d.pdf", b"%PDF-1.7\n", "application/pdf")),
               ("an old .doc", "file", ("e.doc", b"\xd0\xcf\x11\xe0" * 10, "application/msword")),
               ("an executable", "file", ("f.exe", b"MZ" + b"\x00" * 100,
                                          "application/octet-stream")),
               ("a name with a path and a NUL", "file", ("../../x\x00.txt", SUMMARY.encode(),
                                                         "text/plain")),
               ("a name that is a formula", "file", ("=1+1.txt", SUMMARY.encode(), "text/plain")),
               ("text in GB18030", "file", ("g.txt", SUMMARY.encode("gb18030"), "text/plain"))]
    for name, field, upload in uploads:
        before = house.stored()
        resp = requests.post(f"{house.url}/console/api/messages", timeout=60,
                             data={"user": CONSOLE_USER}, files={field: upload})
        reply = "\n".join(resp.json().get("replies", [])) if resp.status_code == 200 else ""
        check_stored_and_answered(house, name, before, resp.status_code, reply, problems)
    assert not problems, "\n".join(problems)
