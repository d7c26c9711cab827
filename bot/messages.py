"""The one platform-neutral message type every channel translates to, and replies."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = ("text", "photo", "document", "event", "unsupported")


@dataclass(frozen=True)
class Incoming:
    """What a liaison sent, as any channel delivers it.

    `blob_path` names the raw bytes already kept in the file store (photo, document);
    `media` carries what a worker still has to fetch from the platform instead.
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

    @property
    def at(self) -> datetime:
        """The time that counts for the rules: the platform's send time, else receipt."""
        return self.sent_at or self.received_at


@dataclass(frozen=True)
class Reply:
    """One message back to the liaison, plain Chinese text."""

    text: str
