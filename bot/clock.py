"""The one place that reads the time; tests set it."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class SystemClock:
    """The real time, timezone-aware UTC."""

    def now(self) -> datetime:
        """Return the current instant."""
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the set instant."""
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        """Move the clock to an aware instant."""
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        with self._lock:
            self._at = at.astimezone(timezone.utc)

    def advance(self, **delta) -> None:
        """Move the clock forward by a timedelta's keywords."""
        with self._lock:
            self._at += timedelta(**delta)
