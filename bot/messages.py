"""The one platform-neutral message type every channel translates to, and replies.

Whatever a channel puts into an `Incoming` is made storable on the way in, so that a
signed platform message with odd characters is kept, never dropped: PostgreSQL takes
no NUL in text or JSON, and no database, JSON encoder or export takes a lone UTF-16
surrogate. Text loses NULs and gets U+FFFD for a lone surrogate; ids (user, message)
get those characters and every other control character escaped instead, so that two
distinct ids stay distinct and a log line stays one line.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = ("text", "photo", "document", "event", "unsupported")
# What each channel is called wherever a person reads it ("log": notices only recorded).
CHANNEL_WORDS = {"wecom": "企业微信", "dingtalk": "钉钉", "console": "网页控制台", "log": "日志"}
# What each kind of a month's item is called (receipts lists, withdrawals, evidence packs).
KIND_WORDS = {"text": "文字", "photo": "图片", "document": "文档"}
MAX_ID = 128                     # the stored platform ids' column width
_UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
_UNSAFE_ID = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def storable_text(text: str) -> str:
    """The text without NULs, with U+FFFD for each lone surrogate (a pair becomes its character)."""
    if not _UNSTORABLE_TEXT.search(text):
        return text
    paired = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return paired.replace("\x00", "")


def storable_id(value: str, limit: int = MAX_ID) -> str:
    """The id with control characters and lone surrogates escaped (`\\x00`, `\\ud800`).

    An escaped id longer than `limit` is replaced by a digest of the original, so that
    it still fits and still differs from every other id.
    """
    if not _UNSAFE_ID.search(value):
        return value
    escaped = _UNSAFE_ID.sub(lambda m: _escape(m.group()), value)
    if len(escaped) <= limit:
        return escaped
    raw = value.encode("utf-8", "surrogatepass")
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _storable(value: Any) -> Any:
    """Every string in a payload made storable, keys included."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_text(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_storable(v) for v in value]
    return value


@dataclass(frozen=True)
class Incoming:
    """What a liaison sent, as any channel delivers it.

    `blob_path` names the raw bytes already kept in the file store (photo, document);
    `media` carries what a worker still has to fetch from the platform instead.
    `sent_at` is the platform's own send time as it says; the conversation decides
    whether it counts (`scoring.counted_send_time`).
    """

    channel: str
    user_id: str
    msg_id: str
    kind: str
    received_at: datetime
    text: str = ""
    sent_at: datetime | None = None
    blob_path: str | None = None
    filename: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Frozen: the storable values replace what the channel gave, once, here.
        for name in ("user_id", "msg_id"):
            object.__setattr__(self, name, storable_id(getattr(self, name)))
        object.__setattr__(self, "text", storable_text(self.text))
        if self.filename is not None:
            object.__setattr__(self, "filename", storable_text(self.filename))
        object.__setattr__(self, "payload", _storable(self.payload))

    @property
    def at(self) -> datetime:
        """The time that counts for the rules: the send time, else the receipt time."""
        return self.sent_at or self.received_at


@dataclass(frozen=True)
class MonthLines:
    """What a receipt says of the month it went to (bot/handlers/texts.py `month_lines`):
    `单位：… 月份：…`, the totals and the status, about `unit` and `month`."""

    unit: str
    month: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Receipt:
    """The fields of a receipt: what was recorded, when, the month's lines after it, any
    notes, and the line naming earlier months still owed. A burst of receipts is merged
    on these fields (bot/channels/outbox.py `coalesce`), never by reading the text."""

    recorded: str
    at: str
    month: MonthLines
    notes: tuple[str, ...] = ()
    owed: str | None = None

    def lines(self) -> list[str]:
        return [self.recorded, self.at, *self.month.lines, *self.notes,
                *([self.owed] if self.owed else [])]

    def stored(self) -> dict[str, Any]:
        """As JSON (the outbox keeps it beside the text)."""
        return {"recorded": self.recorded, "at": self.at, "unit": self.month.unit,
                "month": self.month.month, "month_lines": list(self.month.lines),
                "notes": list(self.notes), "owed": self.owed}

    @classmethod
    def from_stored(cls, value: dict[str, Any]) -> "Receipt":
        month = MonthLines(value["unit"], value["month"], tuple(value["month_lines"]))
        return cls(value["recorded"], value["at"], month, tuple(value["notes"]),
                   value["owed"])


@dataclass(frozen=True)
class Reply:
    """One message back to the liaison: plain Chinese text, or a receipt's fields (its
    text then is their lines). Channels send `text`."""

    text: str = ""
    receipt: Receipt | None = None

    def __post_init__(self) -> None:
        if self.receipt is not None:
            object.__setattr__(self, "text", "\n".join(self.receipt.lines()))
