"""The client-side limiter: 30 a minute per member means the 31st waits, not bursts."""
from __future__ import annotations

from bot.channels.sending import SlidingWindow


class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_thirty_messages_a_minute_to_one_member_go_at_once_and_the_31st_waits():
    t = FakeTime()
    limiter = SlidingWindow(30, 60.0, clock=t.clock, sleep=t.sleep)
    for i in range(30):
        assert limiter.acquire(["zhangsan"]) == 0.0
        t.now += 0.5
    assert limiter.acquire(["zhangsan"]) == 45.0   # until the first one is a minute old
    assert t.slept == [45.0]


def test_members_have_separate_windows_and_a_batch_waits_for_its_busiest_member():
    t = FakeTime()
    limiter = SlidingWindow(2, 60.0, clock=t.clock, sleep=t.sleep)
    limiter.acquire(["a"])
    t.now += 10
    limiter.acquire(["a"])
    assert limiter.acquire(["b", "c"]) == 0.0
    assert limiter.acquire(["b", "a"]) == 50.0


def test_the_window_slides_rather_than_resetting_on_the_minute():
    t = FakeTime()
    limiter = SlidingWindow(3, 60.0, clock=t.clock, sleep=t.sleep)
    for _ in range(3):
        limiter.acquire(["x"])
    t.now += 59.9
    assert round(limiter.acquire(["x"]), 6) == 0.1
