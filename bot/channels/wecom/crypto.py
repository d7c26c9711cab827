"""WeCom callback crypto: wechatpy's WeChatCrypto, wrapped where it is weak.

wechatpy checks keys with `assert`, compares signatures with `!=`, draws the random
prefix of a reply from `random`, and lets garbage in raise whatever it happens to
raise. Here the keys are validated with errors that name them, the signature is
checked first and in constant time, the prefix comes from `secrets`, and every way a
message can be bad ends in one of three exceptions that the blueprint maps to a 4xx.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from typing import Callable

from wechatpy.enterprise import WeChatCrypto
from wechatpy.enterprise.crypto import PrpCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException

from bot.channels import CallbackRefused

TOKEN = re.compile(r"[A-Za-z0-9]{1,32}")
AES_KEY = re.compile(r"[A-Za-z0-9]{43}")
CORP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
SIGNATURE = re.compile(r"[0-9a-fA-F]{40}")
TIMESTAMP = re.compile(r"[0-9]{1,20}")
NONCE = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_ENCRYPTED = 64 * 1024


class CryptoConfigError(ValueError):
    """The token, EncodingAESKey or corp id is unusable; the message names the key."""


class WecomCryptoError(CallbackRefused):
    """A callback that must be refused; `status` is the HTTP status to answer, `words`
    what the answer says."""


class MalformedMessage(WecomCryptoError):
    """Missing parameters, bad base64, bad padding, undecodable text."""

    status = 400
    words = "消息格式不对，未处理。"


class BadSignature(WecomCryptoError):
    """msg_signature does not match sha1(sorted(token, timestamp, nonce, encrypt))."""

    status = 403
    words = "签名校验失败，未处理。"


class WrongReceiver(WecomCryptoError):
    """The decrypted receive id is not our corp id."""

    status = 403
    words = "消息不是发给本企业的，未处理。"


def random_prefix() -> str:
    """16 random letters and digits (lowercase hex), from a cryptographic source."""
    return secrets.token_hex(8)


class WecomCrypto:
    """Verify, decrypt and encrypt WeCom self-built app callbacks for one corp."""

    def __init__(self, token: str, encoding_aes_key: str, corp_id: str,
                 prefix: Callable[[], str] = random_prefix):
        if not isinstance(token, str) or not TOKEN.fullmatch(token):
            raise CryptoConfigError("wecom.token must be 1 to 32 letters or digits")
        if not isinstance(encoding_aes_key, str) or not AES_KEY.fullmatch(encoding_aes_key):
            raise CryptoConfigError(
                "wecom.encoding_aes_key must be exactly 43 letters or digits")
        if not isinstance(corp_id, str) or not CORP_ID.fullmatch(corp_id):
            raise CryptoConfigError("wecom.corp_id must be 1 to 64 letters, digits, _ or -")
        self.token = token
        self.corp_id = corp_id
        self.key = base64.b64decode(encoding_aes_key + "=")
        self._inner = WeChatCrypto(token, encoding_aes_key, corp_id)
        # wechatpy's PrpCrypto (the AES scheme) with our prefix, built once: its cipher
        # serves every call (wechatpy's message methods build one per call).
        self._prp = type("PrpCrypto", (PrpCrypto,), {"get_random_string": lambda _s: prefix()})
        self._pc = self._prp(self.key)

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        """sha1 over the four strings sorted and joined, as lowercase hex."""
        joined = "".join(sorted([self.token, timestamp, nonce, encrypt]))
        return hashlib.sha1(joined.encode("utf-8")).hexdigest()

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        """Check the parameters' shape and the signature, in constant time.

        Raises:
            MalformedMessage: a parameter is missing or not of WeCom's shape.
            BadSignature: the signature does not match.
        """
        _check_params(timestamp, nonce, encrypt)
        if not isinstance(msg_signature, str) or not SIGNATURE.fullmatch(msg_signature):
            raise BadSignature("msg_signature is not 40 hex digits")
        expected = self.signature(timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected.encode(), msg_signature.lower().encode()):
            raise BadSignature("msg_signature does not match")

    def decrypt_echo(self, msg_signature: str, timestamp: str, nonce: str,
                     echostr: str) -> str:
        """Verify, then decrypt the URL-verification echostr to its bare plaintext."""
        self.verify(msg_signature, timestamp, nonce, echostr)
        _check_ciphertext(echostr)
        return self._call(self._inner.check_signature, msg_signature.lower(), timestamp,
                          nonce, echostr)

    def decrypt(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> str:
        """Verify, then decrypt a message's Encrypt field to its plaintext XML."""
        self.verify(msg_signature, timestamp, nonce, encrypt)
        _check_ciphertext(encrypt)
        return self._call(self._pc.decrypt, encrypt, self.corp_id)

    def encrypt_reply(self, plaintext: str, nonce: str, timestamp: str) -> str:
        """Encrypt and sign a passive reply into WeCom's envelope XML."""
        _check_params(timestamp, nonce, "x")
        encrypt = self._pc.encrypt(plaintext, self.corp_id).decode("ascii")
        return _ENVELOPE.format(encrypt=encrypt, nonce=nonce, timestamp=timestamp,
                                signature=self.signature(timestamp, nonce, encrypt))

    def _call(self, method, *args) -> str:
        try:
            return method(*args)
        except InvalidCorpIdException:
            raise WrongReceiver("the receive id is not this corp id") from None
        except WecomCryptoError:
            raise
        except Exception as exc:  # garbage after a valid signature: refuse, don't crash
            raise MalformedMessage(f"cannot decrypt: {type(exc).__name__}") from None


# The passive reply's envelope, as WeCom documents it (and wechatpy writes it).
_ENVELOPE = """<xml>
<Encrypt><![CDATA[{encrypt}]]></Encrypt>
<MsgSignature><![CDATA[{signature}]]></MsgSignature>
<TimeStamp>{timestamp}</TimeStamp>
<Nonce><![CDATA[{nonce}]]></Nonce>
</xml>"""


def _check_params(timestamp, nonce, encrypt) -> None:
    if not isinstance(timestamp, str) or not TIMESTAMP.fullmatch(timestamp):
        raise MalformedMessage("timestamp is missing or not decimal digits")
    if not isinstance(nonce, str) or not NONCE.fullmatch(nonce):
        raise MalformedMessage("nonce is missing or not of WeCom's shape")
    if not isinstance(encrypt, str) or not encrypt or len(encrypt) > MAX_ENCRYPTED:
        raise MalformedMessage("the encrypted text is missing or too long")


def _check_ciphertext(encrypt: str) -> None:
    # AES-CBC with PKCS#7 padding to 32 bytes: whole 32-byte blocks, at least one.
    try:
        raw = base64.b64decode(encrypt, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedMessage("the encrypted text is not base64") from None
    if not raw or len(raw) % 32:
        raise MalformedMessage("the encrypted text is not whole AES blocks")
