"""DingTalk signatures: the robot callback's `timestamp`/`sign` headers and the signed
URL of a custom group robot (加签).

Both are Base64(HmacSHA256(key=secret, msg=timestamp + "\\n" + secret)) with the
timestamp in milliseconds; the group robot's goes into the URL, so it is URL-encoded
as well (PLATFORMS.md §3.2 and §3.10). DingTalk publishes no test vectors; the unit
tests use the values computed from the published formula.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime
from urllib.parse import quote_plus

from bot.channels import CallbackRefused

MAX_SKEW_MS = 60 * 60 * 1000      # a callback more than an hour off is refused (replay)
_MS = re.compile(r"[0-9]{1,15}")


class BadSignature(CallbackRefused):
    """The sign header is missing or does not match the app secret."""

    status = 403
    words = "签名校验失败，未处理。"


class StaleTimestamp(CallbackRefused):
    """The timestamp header is missing, not milliseconds, or over an hour off."""

    status = 403
    words = "时间戳缺失，或与服务器时间相差超过一小时，未处理。"


def sign(timestamp: str, secret: str) -> str:
    """Base64(HmacSHA256(secret, timestamp + "\\n" + secret)), as DingTalk signs a callback."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode("utf-8"),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_sign(timestamp_ms: int, secret: str) -> str:
    """The `sign` query value of a custom group robot's URL: the signature, URL-encoded."""
    return quote_plus(sign(str(timestamp_ms), secret))


def epoch_ms(at: datetime) -> int:
    """An aware instant as DingTalk's milliseconds since the epoch."""
    return int(at.timestamp() * 1000)


def verify_callback(timestamp: str, signature: str, app_secret: str, now: datetime) -> None:
    """Accept a callback's headers, or raise.

    Raises:
        StaleTimestamp: the timestamp is missing, malformed or more than an hour off `now`.
        BadSignature: the sign is missing or wrong (compared in constant time).
    """
    timestamp = (timestamp or "").strip()
    if not _MS.fullmatch(timestamp):
        raise StaleTimestamp("timestamp header missing or not milliseconds")
    if abs(epoch_ms(now) - int(timestamp)) > MAX_SKEW_MS:
        raise StaleTimestamp("timestamp more than an hour off")
    expected = sign(timestamp, app_secret).encode("ascii")
    given = (signature or "").strip().encode("utf-8", "replace")
    if not given or not hmac.compare_digest(expected, given):
        raise BadSignature("sign does not match")
