"""A notice to one unit's liaisons now, for something the office did (a return of its
summary, the answer to an appeal): recorded in the sent-log like every reminder, in the
office's transaction, and delivered after its commit by the same job
(`bot.worker.notices.deliver`: each platform's sender, the console's outbox, undelivered
recipients listed for the office)."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.jobs import JobKind
from storage.models import Liaison, Notice
from storage.queue import enqueue

RETURNED, APPEAL_DECIDED = "returned", "appeal_decided"
# What these notices are called where the office reads them (未送达, `notices`).
KIND_WORDS = {RETURNED: "小结退回", APPEAL_DECIDED: "申诉处理结果"}


def tell_unit(session: Session, unit_id: int, kind: str, period: str, batch: str, text: str,
              now: datetime) -> int:
    """Record `text` for every liaison bound to the unit, one notice per channel under the
    unique batch (e.g. `returned:17`), and queue its delivery; how many notices."""
    recipients: dict[str, list[str]] = defaultdict(list)
    for channel, user_id in session.execute(
            select(Liaison.channel, Liaison.platform_user_id)
            .where(Liaison.unit_id == unit_id).order_by(Liaison.id)):
        recipients[channel].append(user_id)
    for channel, users in recipients.items():
        session.add(Notice(key=f"{batch}:{unit_id}:{channel}", kind=kind, period=period,
                           unit_id=unit_id, channel=channel, recipients=users, text=text,
                           state="pending", attempts=0, created_at=now))
    if recipients:
        session.flush()
        enqueue(session, JobKind.DELIVER_NOTICES, {"batch": batch}, now=now,
                dedup_key=f"deliver:{batch}")
    return len(recipients)
