"""A client that encrypts and signs callbacks exactly as WeCom does, and reads our
encrypted passive replies. Written from the published scheme, independently of
wechatpy: AES-256-CBC, IV = key[:16], PKCS#7 to 32 bytes, random(16) + len(4, big
endian) + msg + corpid, base64; msg_signature = sha1 over the sorted strings."""
from __future__ import annotations

import base64
import hashlib
import os
import struct
import xml.etree.ElementTree as ET

import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# The app the tests and the bench play: Tencent's published sample values (Set A).
CORP_ID = "ww1436e0e65a779aee"
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
AGENT_ID = 1000002


class WecomClient:
    """Plays WeCom's server for one app (token, EncodingAESKey, corp id)."""

    def __init__(self, token: str, encoding_aes_key: str, corp_id: str):
        self.token = token
        self.key = base64.b64decode(encoding_aes_key + "=")
        assert len(self.key) == 32
        self.corp_id = corp_id

    def sign(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return hashlib.sha1("".join(sorted([self.token, timestamp, nonce, encrypt]))
                            .encode("utf-8")).hexdigest()

    def encrypt(self, plaintext: str, prefix: bytes | None = None,
                receive_id: str | None = None) -> str:
        prefix = prefix if prefix is not None else os.urandom(8).hex().encode()
        msg = plaintext.encode("utf-8")
        rid = (self.corp_id if receive_id is None else receive_id).encode("utf-8")
        data = prefix + struct.pack(">I", len(msg)) + msg + rid
        pad = 32 - len(data) % 32
        data += bytes([pad]) * pad
        enc = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(enc.update(data) + enc.finalize()).decode("ascii")

    def decrypt(self, encrypt: str) -> tuple[bytes, str, str]:
        """(random prefix, plaintext, receive id) of an Encrypt value."""
        dec = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        data = dec.update(base64.b64decode(encrypt)) + dec.finalize()
        pad = data[-1]
        assert 1 <= pad <= 32 and data[-pad:] == bytes([pad]) * pad, "bad PKCS#7 padding"
        data = data[:-pad]
        (length,) = struct.unpack(">I", data[16:20])
        return data[:16], data[20:20 + length].decode("utf-8"), data[20 + length:].decode()

    def verification(self, echo: str, timestamp: str, nonce: str) -> dict[str, str]:
        """The query of a URL-verification GET whose echostr decrypts to `echo`."""
        echostr = self.encrypt(echo)
        return {"msg_signature": self.sign(timestamp, nonce, echostr),
                "timestamp": timestamp, "nonce": nonce, "echostr": echostr}

    def callback(self, plaintext: str, timestamp: str, nonce: str,
                 agent_id: str = "1000002", receive_id: str | None = None
                 ) -> tuple[dict[str, str], bytes]:
        """(query, body) of a message POST carrying `plaintext`, as WeCom builds them."""
        encrypt = self.encrypt(plaintext, receive_id=receive_id)
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>\n"
                f"<Encrypt><![CDATA[{encrypt}]]></Encrypt>\n"
                f"<AgentID><![CDATA[{agent_id}]]></AgentID>\n</xml>")
        query = {"msg_signature": self.sign(timestamp, nonce, encrypt),
                 "timestamp": timestamp, "nonce": nonce}
        return query, body.encode("utf-8")

    def read_reply(self, body: str) -> dict[str, str]:
        """Check a passive reply's signature and receive id; return its fields."""
        envelope = {c.tag: c.text or "" for c in ET.fromstring(body)}
        encrypt = envelope["Encrypt"]
        expected = self.sign(envelope["TimeStamp"], envelope["Nonce"], encrypt)
        assert envelope["MsgSignature"] == expected, "reply signature does not verify"
        _, plaintext, receive_id = self.decrypt(encrypt)
        assert receive_id == self.corp_id, f"reply receive id {receive_id!r}"
        return {c.tag: c.text or "" for c in ET.fromstring(plaintext)}


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(corp_id: str, user: str, create_time: int, msg_type: str, msg_id: str | None,
                agent_id: str = "1000002", **fields: str) -> str:
    """A decrypted callback message as WeCom writes it (fields in CDATA)."""
    parts = [f"<ToUserName>{cdata(corp_id)}</ToUserName>",
             f"<FromUserName>{cdata(user)}</FromUserName>",
             f"<CreateTime>{create_time}</CreateTime>",
             f"<MsgType>{cdata(msg_type)}</MsgType>"]
    parts += [f"<{name}>{cdata(value)}</{name}>" for name, value in fields.items()]
    if msg_id is not None:
        parts.append(f"<MsgId>{msg_id}</MsgId>")
    parts.append(f"<AgentID>{agent_id}</AgentID>")
    return "<xml>" + "\n".join(parts) + "\n</xml>"


class Member:
    """A WeCom member talking to our app at `url`, through WeCom's servers (the client)."""

    def __init__(self, url: str, clock, user: str = "ZhangSan", client: WecomClient | None = None):
        self.url, self.clock, self.user = url, clock, user
        self.client = client or WecomClient(TOKEN, AES_KEY, CORP_ID)
        self.sent = 0

    def now(self) -> str:
        return str(int(self.clock.now().timestamp()))

    def post(self, msg_type: str, msg_id: str | None = None, **fields) -> requests.Response:
        """Send one message or event; return our server's raw response."""
        self.sent += 1
        msg_id = msg_id or str(4_000_000_000 + self.sent)
        xml = message_xml(self.client.corp_id, self.user, int(self.now()), msg_type,
                          None if msg_type == "event" else msg_id, **fields)
        query, body = self.client.callback(xml, self.now(), str(1000 + self.sent))
        return requests.post(f"{self.url}/wecom/callback", params=query, data=body, timeout=10)

    def say(self, text: str, msg_id: str | None = None) -> str:
        """Send text; return the decrypted passive reply's content."""
        resp = self.post("text", msg_id, Content=text)
        assert resp.status_code == 200, resp.text
        return self.reply(resp)

    def reply(self, resp: requests.Response) -> str:
        return self.client.read_reply(resp.text)["Content"]
