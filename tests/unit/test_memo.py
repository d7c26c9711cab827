"""bot/memo.py: a result is computed once per key, the least recently used falls out, and
keys tell apart what the results were computed from."""
from __future__ import annotations

from bot.memo import NO_MEMO, Memo, Same, rows_key


def counting():
    calls = []

    def compute(value):
        calls.append(value)
        return value * 2
    return calls, compute


def test_a_result_is_computed_once_per_key():
    memo, (calls, compute) = Memo({"quarter": 10}), counting()
    assert [memo.get("quarter", k, lambda k=k: compute(k)) for k in (1, 2, 1, 1)] == [2, 4, 2, 2]
    assert calls == [1, 2]


def test_the_least_recently_used_key_falls_out_first():
    memo, (calls, compute) = Memo({"month": 2}), counting()
    for k in (1, 2, 1, 3, 1, 2):
        memo.get("month", k, lambda k=k: compute(k))
    assert calls == [1, 2, 3, 2] and len(memo) == 2


def test_no_memo_computes_every_time():
    calls, compute = counting()
    for _ in range(3):
        NO_MEMO.get("quarter", 1, lambda: compute(1))
    assert calls == [1, 1, 1] and len(NO_MEMO) == 0


def test_an_object_in_a_key_is_the_same_object_not_an_equal_one():
    a, b = {"rubric": 1}, {"rubric": 1}
    assert Same(a) == Same(a) and hash(Same(a)) == hash(Same(a))
    assert Same(a) != Same(b)


def test_rows_as_a_key_are_their_values():
    assert rows_key([(1, "a"), (2, "b")]) == ((1, "a"), (2, "b"))
    assert rows_key([(1, "a")]) != rows_key([(1, "b")])
