"""Which instant a message counts as sent at: the platform's own send time, or the receipt.

A platform's send time (WeCom's CreateTime, DingTalk's createAt) is part of a body that a
replay or a broken clock can carry anywhere: 1970, 2100, or last month. It decides on
time or late only while it is plausible: not after the receipt by more than the clock
skew between the platform and us, and not before it by more than the platform's retry
window (a retried delivery legitimately arrives late). Otherwise the receipt time counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SendTimeWindow:
    """How far a platform's send time may lie from the receipt and still count."""

    max_ahead: timedelta    # after the receipt: the clocks' skew
    max_delay: timedelta    # before the receipt: the platform's retries, plus the skew


def counted_send_time(sent_at: datetime | None, received_at: datetime,
                      window: SendTimeWindow) -> datetime:
    """The platform's send time if it lies within the window around the receipt, else the receipt time.

    Both bounds are inclusive; a message without a usable send time (None) counts at its receipt.
    """
    if sent_at is None:
        return received_at
    if received_at - window.max_delay <= sent_at <= received_at + window.max_ahead:
        return sent_at
    return received_at
