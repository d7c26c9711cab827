"""Which instant counts as a message's send time: the platform's or the receipt's."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from scoring import SendTimeWindow, counted_send_time

RECEIVED = datetime(2026, 3, 24, 15, 59, 30, tzinfo=timezone.utc)   # 23:59:30 in Shanghai
WINDOW = SendTimeWindow(max_ahead=timedelta(seconds=120), max_delay=timedelta(seconds=300))
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=-300), timedelta(seconds=120),
                                    timedelta(seconds=-1), timedelta(seconds=1)])
def test_a_send_time_within_the_window_counts_up_to_both_edges(offset):
    assert counted_send_time(RECEIVED + offset, RECEIVED, WINDOW) == RECEIVED + offset


@pytest.mark.parametrize("offset", [timedelta(seconds=-300) - TICK, timedelta(seconds=120) + TICK,
                                    timedelta(days=-30), timedelta(days=365 * 74)])
def test_a_send_time_just_beyond_either_edge_gives_way_to_the_receipt(offset):
    assert counted_send_time(RECEIVED + offset, RECEIVED, WINDOW) == RECEIVED


@pytest.mark.parametrize("sent", [datetime(1970, 1, 1, tzinfo=timezone.utc),
                                  datetime(2001, 9, 9, 1, 46, 40, tzinfo=timezone.utc),
                                  datetime(2100, 1, 1, tzinfo=timezone.utc),
                                  datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)])
def test_the_issue_s_send_times_all_give_way_to_the_receipt(sent):
    # WeCom CreateTime 0, 4102444800 and 253402300799; DingTalk createAt 10**12.
    assert counted_send_time(sent, RECEIVED, WINDOW) == RECEIVED


def test_no_send_time_counts_at_the_receipt():
    assert counted_send_time(None, RECEIVED, WINDOW) == RECEIVED


def test_a_zero_window_trusts_only_a_send_time_equal_to_the_receipt():
    none = SendTimeWindow(timedelta(0), timedelta(0))
    assert counted_send_time(RECEIVED, RECEIVED, none) == RECEIVED
    assert counted_send_time(RECEIVED - TICK, RECEIVED, none) == RECEIVED
    assert counted_send_time(RECEIVED - TICK, RECEIVED, WINDOW) == RECEIVED - TICK


def test_a_replayed_body_cannot_backdate_a_message_by_more_than_the_delay():
    deadline = datetime(2026, 3, 24, 16, 0, tzinfo=timezone.utc)
    received_late = deadline + timedelta(minutes=30)
    claimed = deadline - timedelta(minutes=1)
    assert counted_send_time(claimed, received_late, WINDOW) == received_late
