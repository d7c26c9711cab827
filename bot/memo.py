"""Results kept in this process, each under a key made of what it was computed from.

Scores are never stored: every answer is computed from the facts at that moment. At a
city's size that costs seconds a page, so the office's pages keep what they computed, in
memory, under a key that holds the inputs themselves (a unit's facts, media and month
statuses; the rows a table read), or a mark of them read from the database before them (a
month's items: how many, the largest id and the ids summed, the characters summed, how
many withdrawn). A new fact, waiver or message changes the key, and the next answer is
computed from it; nothing is ever invalidated by hand, and keys no longer asked for fall
out, least recently used first.

A memo belongs to one database (the services hold one). `NO_MEMO` keeps nothing: a
message's handling, which reads inside its own write transaction, computes afresh.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Hashable, Mapping, TypeVar

from cachetools import LRUCache

T = TypeVar("T")

# How many results of each kind are kept, at 2,000 units: every unit's quarter for a few
# quarters and its year for four; their cells in a web table (HTML: about 2.5 KB a quarter)
# for four tables; two years of months and of the board's columns; the quarter and year
# tables, whole and per category; the facts of eight quarters; every photo's hash, indexed
# (bot.office.flags). All of it takes about 150 MB.
SIZES = {"month": 32, "column": 32, "quarter": 20_000, "year": 8_000, "cells": 16_000,
         "table": 24, "facts": 8, "photos": 2}


class Same:
    """An object in a key by identity (a rubric: loaded once, and unhashable). The key
    holds the object, so that no other object can take its id while the key is kept."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any):
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj


def frozen(value: Any) -> Hashable:
    """Plain data (a unit's facts as stored: JSON values) as a key: dicts, lists and tuples
    made tuples, all the way down. The exact types are asked for: a key is built for every
    unit of a table."""
    kind = type(value)
    if kind is dict:
        return tuple(sorted((k, frozen(v)) for k, v in value.items()))
    if kind is list or kind is tuple:
        return tuple(frozen(v) for v in value)
    return value


def rows_key(rows) -> tuple:
    """Database rows as a key: plain tuples of their values (compared and hashed in C)."""
    return tuple(tuple(row) for row in rows)


class Memo:
    """Results by kind and key, a bounded number of each kind; safe across threads."""

    keeps = True   # False: nothing is kept, so a caller need not build a costly key

    def __init__(self, sizes: Mapping[str, int] = SIZES):
        self._kinds = {kind: LRUCache(maxsize=size) for kind, size in sizes.items()}
        self._lock = threading.Lock()

    def get(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        """The result kept under `key`, else `compute()`'s, kept from now on."""
        cache = self._kinds[kind]
        with self._lock:
            found = cache.get(key, _MISSING)
        if found is not _MISSING:
            return found
        value = compute()  # outside the lock: another thread may compute the same meanwhile
        with self._lock:
            cache[key] = value
        return value

    def __len__(self) -> int:
        with self._lock:
            return sum(len(c) for c in self._kinds.values())


class _Nothing(Memo):
    """Keeps nothing: every result is computed (the key is not read)."""

    keeps = False

    def __init__(self):
        super().__init__({})

    def get(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        return compute()


_MISSING = object()
NO_MEMO: Memo = _Nothing()
