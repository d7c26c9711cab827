"""Small types both platform API clients return."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Media:
    """A downloaded photo or file."""

    data: bytes
    content_type: str
    filename: str | None


@dataclass(frozen=True)
class Answer:
    """A JSON answer and how many HTTP calls it took (retries included)."""

    data: dict[str, Any]
    calls: int
