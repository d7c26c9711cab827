"""A client-side sliding-window limiter: a queue, not a burst the platform drops."""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable, Iterable


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
