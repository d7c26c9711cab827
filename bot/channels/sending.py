"""What every platform's sender shares: the sender interface, the 2048-byte text rule,
and a client-side rate limit."""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol

MAX_TEXT_BYTES = 2048   # WeCom text and markdown content, and a passive reply


@dataclass(frozen=True)
class SendResult:
    """How a send went: members reached, members not reached, API calls made.

    `invalid_users` are the members the platform answered it did not deliver to
    (refused, unlicensed, filtered, still flow-controlled), as we know their ids;
    `reasons` says why for each of them, in Chinese, naming the platform's field.
    """

    sent: int
    invalid_users: list[str] = field(default_factory=list)
    calls: int = 0
    reasons: dict[str, str] = field(default_factory=dict)


class PlatformError(Exception):
    """A platform API failed or refused; `transient` says whether a retry may help."""

    def __init__(self, message: str, *, code: int | None = None, transient: bool = False):
        super().__init__(message)
        self.code = code
        self.transient = transient


class Sender(Protocol):
    """Active messages to members and to the office's group (reminders, results, digests)."""

    def send_text(self, user_ids: list[str], text: str) -> SendResult:
        """Send plain text to members; a text over 2048 bytes goes as several messages."""

    def send_markdown(self, user_ids: list[str], title: str, text: str) -> SendResult:
        """Send markdown to members (title as the first, bold line)."""

    def send_group(self, text: str) -> None:
        """Post text to the office's group robot."""


def utf8_len(text: str) -> int:
    """The text's size in UTF-8 bytes, as the platforms count it."""
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Split a text into parts of at most `limit` UTF-8 bytes, at line boundaries.

    A single line longer than the limit is cut between characters. Blank lines at
    the edges of a part are dropped; an empty text gives no parts.
    """
    if limit < 4:
        raise ValueError("limit must leave room for one character")
    text = text.strip("\n")
    if not text.strip():
        return []
    if utf8_len(text) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    size = -1  # bytes of "\n".join(current)
    for line in text.split("\n"):
        for piece in _cut_line(line, limit):
            grown = size + 1 + utf8_len(piece)
            if current and grown > limit:
                parts.append("\n".join(current))
                current, grown = [], utf8_len(piece)
            current.append(piece)
            size = grown
    parts.append("\n".join(current))
    return [p.strip("\n") for p in parts if p.strip()]


def _cut_line(line: str, limit: int) -> list[str]:
    if utf8_len(line) <= limit:
        return [line]
    pieces, start, size = [], 0, 0
    for i, ch in enumerate(line):
        width = utf8_len(ch)
        if size + width > limit:
            pieces.append(line[start:i])
            start, size = i, 0
        size += width
    pieces.append(line[start:])
    return pieces


class SlidingWindow:
    """At most `limit` events per `period` seconds for each key, within this process.

    `acquire(keys)` waits until every key has room, then counts one event for each.
    Time and sleep are injectable so that tests need not wait a real minute.
    """

    def __init__(self, limit: int, period: float = 60.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if limit < 1 or period <= 0:
            raise ValueError("limit must be at least 1 and period positive")
        self.limit = limit
        self.period = period
        self.clock = clock
        self.sleep = sleep
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, keys: Iterable[str]) -> float:
        """Wait for room for every key, count the event, return the seconds waited."""
        keys = list(dict.fromkeys(keys))
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                wait = max((self._wait(key, now) for key in keys), default=0.0)
                if wait <= 0:
                    for key in keys:
                        self._events.setdefault(key, deque()).append(now)
                    return waited
            self.sleep(wait)
            waited += wait

    def _wait(self, key: str, now: float) -> float:
        events = self._events.get(key)
        if not events:
            return 0.0
        while events and events[0] <= now - self.period:
            events.popleft()
        if not events:
            del self._events[key]
            return 0.0
        if len(events) < self.limit:
            return 0.0
        return events[0] + self.period - now
