"""What the last reminder sent by hand reached: each of its notices queued, sent or failed,
with the platform's reason for each liaison it did not reach. The worker sends the notices;
this reads how far it got."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.people import liaison_words, with_channel
from bot.worker.schedule import MANUAL
from scoring import Month
from storage.models import Liaison, Notice, UndeliveredRecipient, Unit

_EXCEPTION = re.compile(r"^[A-Za-z_.]+: ")   # the worker records "WecomError: …"
STATE_WORDS = {"pending": "待发送", "sent": "已发送", "recorded": "已记录（未配置群机器人）",
               "failed": "发送失败"}


@dataclass(frozen=True)
class Delivery:
    """One notice of the run: a unit's reminder on one platform."""

    unit: str
    channel: str
    recipients: tuple[str, ...]               # 张三（企业微信）
    state: str                                # pending, sent, failed
    error: str                                # why it failed, when it did
    undelivered: tuple[tuple[str, str], ...]  # (liaison, the platform's reason)

    @property
    def state_words(self) -> str:
        return STATE_WORDS.get(self.state, self.state)


@dataclass(frozen=True)
class LastRun:
    """The latest manual run of a month: when, and each notice as it stands."""

    at: datetime
    deliveries: tuple[Delivery, ...]

    @property
    def tally(self) -> str:
        """待发送 2，已发送 10，发送失败 1."""
        counts = Counter(d.state for d in self.deliveries)
        return "，".join(f"{STATE_WORDS[s]} {counts[s]}" for s in ("pending", "sent", "failed"))


def last_run(session: Session, month: Month) -> LastRun | None:
    """The month's latest reminder sent by hand (its notices share their recorded time)."""
    mine = (Notice.kind == MANUAL, Notice.period == str(month))
    at = session.scalar(select(func.max(Notice.created_at)).where(*mine))
    if at is None:
        return None
    rows = session.execute(select(Notice, Unit.name).join(Unit, Unit.id == Notice.unit_id)
                           .where(*mine, Notice.created_at == at).order_by(Unit.name)).all()
    users = {u for notice, _ in rows for u in notice.recipients}
    names = {(c, u): with_channel(liaison_words(n, p, u), c) for c, u, n, p in session.execute(
        select(Liaison.channel, Liaison.platform_user_id, Liaison.display_name,
               Liaison.platform_name).where(Liaison.platform_user_id.in_(users)))}
    missed: dict[int, list[tuple[str, str]]] = {}
    for notice_id, user, reason in session.execute(
            select(UndeliveredRecipient.notice_id, UndeliveredRecipient.user_id,
                   UndeliveredRecipient.reason)
            .where(UndeliveredRecipient.notice_id.in_([n.id for n, _ in rows]))
            .order_by(UndeliveredRecipient.id)):
        missed.setdefault(notice_id, []).append((user, reason))

    def label(channel: str, user: str) -> str:
        return names.get((channel, user), with_channel(user, channel))

    return LastRun(at, tuple(
        Delivery(unit, n.channel, tuple(label(n.channel, u) for u in n.recipients), n.state,
                 _EXCEPTION.sub("", n.error or "") if n.state == "failed" else "",
                 tuple((label(n.channel, u), why) for u, why in missed.get(n.id, [])))
        for n, unit in rows))
