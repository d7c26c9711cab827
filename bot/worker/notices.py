"""Reminders and notices: who gets what, recorded once in the sent-log, then delivered.

Firing an occurrence writes one Notice per unit (or one for the office) and channel
under a unique key, and queues its delivery; firing it again finds the keys taken and
does nothing. Delivery sends each distinct text once per batch of recipients.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import scores
from bot.handlers.score import quarter_text
from bot.handlers.texts import deadline_text
from bot.jobs import JobKind
from bot.rules import Rules, miss_cost
from bot.summaries import MonthState, month_states
from bot.worker.schedule import DIGEST, MANUAL, MISSED, QUARTER_RESULT, REMINDER, Occurrence
from scoring import Month, MonthStatus, Quarter, time_left
from storage.db import UnitOfWork
from storage.models import Liaison, Notice, OutboxMessage, UndeliveredRecipient, Unit, WorkItem
from storage.queue import enqueue

log = logging.getLogger(__name__)
OFFICE = "office"


def reminder_text(state: MonthState, now: datetime) -> str:
    """What a unit still owes; the same words for every unit that owes the same."""
    if state.fix is not None and not state.fix.fixed:
        return returned_reminder(state, now)
    owed = []
    if state.missing_chars:
        owed.append(f"文字（至少 {state.min_chars} 字）")
    if state.missing_photos:
        owed.append(f"图片（至少 {state.min_photos} 张）")
    return (f"【月度小结提醒】{state.month.label}活动小结还没有报齐，还差{'和'.join(owed)}。\n"
            f"截止 {deadline_text(state.deadline)} 前，还剩 {time_left(now, state.deadline)}。"
            "直接把文字和图片发给我即可；发送「状态」查看已报送的情况。")


def returned_reminder(state: MonthState, now: datetime) -> str:
    """The reminder to a unit whose month the office returned and that has not fixed it."""
    return (f"【月度小结提醒】{state.month.label}活动小结已被中心办公室退回，还没有补交。\n"
            f"截止 {deadline_text(state.deadline)} 前，还剩 {time_left(now, state.deadline)}。"
            "请按退回意见补充材料后直接发给我；发送「状态」查看退回原因。")


def missed_text(state: MonthState, cost: str) -> str:
    """The notice to a unit that missed the deadline, and what it cost."""
    return (f"【逾期提醒】{state.month.label}活动小结没有在截止时间（{deadline_text(state.deadline)}）"
            f"前报齐，按考核细则扣{cost}分。现在补齐仍会记录（按逾期报送计）；"
            "如有特殊情况，请联系中心办公室。")


def digest_text(month: Month, states: dict[int, MonthState], names: dict[int, str],
                now: datetime) -> str:
    """The office's digest: who has not sent, who was late."""
    by = defaultdict(list)
    for unit_id, state in states.items():
        by[state.status].append(names[unit_id])
    due = next(iter(states.values())).deadline if states else None
    lines = [f"【小结报送情况】{month.label}（截止 {deadline_text(due) if due else ''}，"
             f"统计于 {deadline_text(now)}）",
             f"按时报齐 {len(by[MonthStatus.ON_TIME])} 个，逾期报齐 {len(by[MonthStatus.LATE])} 个，"
             f"未报齐 {len(by[MonthStatus.PENDING]) + len(by[MonthStatus.MISSING])} 个，"
             f"豁免或免报 {len(by[MonthStatus.WAIVED]) + len(by[MonthStatus.EXEMPT])} 个。"]
    owing = by[MonthStatus.MISSING] or by[MonthStatus.PENDING]
    if owing:
        lines.append("未报齐：" + "、".join(owing))
    if by[MonthStatus.LATE]:
        lines.append("逾期报齐：" + "、".join(by[MonthStatus.LATE]))
    return "\n".join(lines)


def _recipients(session: Session) -> dict[int, dict[str, list[str]]]:
    """Each unit's bound liaisons, by channel."""
    out: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for unit_id, channel, user_id in session.execute(
            select(Liaison.unit_id, Liaison.channel, Liaison.platform_user_id)
            .where(Liaison.unit_id.is_not(None)).order_by(Liaison.id)):
        out[unit_id][channel].append(user_id)
    return out


def plan(session: Session, occ: Occurrence, now: datetime, rules: Rules,
         group_channel: str) -> list[dict]:
    """The notices an occurrence means right now: unit, channel, recipients, text."""
    planned = []
    if occ.kind == QUARTER_RESULT:
        quarter = Quarter.parse(occ.period)
        rows = scores.quarter_table(session, quarter, now, rules)
        version = rules.rubric.for_quarter(quarter)
        texts = {r.unit_id: "【季度考核结果】\n" + quarter_text(r, quarter, now, version)
                 for r in rows if r.assessed}  # a quarter not assessed has no result to announce
    else:
        month = Month.parse(occ.period)
        states = month_states(session, month, now, rules.deadline, rules.completion)
        cost = str(miss_cost(rules, month).normalize())
    if occ.kind == DIGEST:
        names = dict(session.execute(select(Unit.id, Unit.name)
                                     .where(Unit.active.is_(True))).tuples().all())
        text = digest_text(month, states, names, now)
        return [{"unit_id": None, "channel": group_channel or "log", "recipients": [OFFICE],
                 "text": text}]
    for unit_id, channels in _recipients(session).items():
        if occ.kind in (REMINDER, MANUAL):
            state = states.get(unit_id)
            owing = (MonthStatus.PENDING, MonthStatus.MISSING) if occ.kind == MANUAL else (
                MonthStatus.PENDING,)
            if state is None or state.status not in owing:
                continue
            if occ.units is not None and unit_id not in occ.units:
                continue   # a manual run reminds the units it chose, no others
            text = reminder_text(state, now)
        elif occ.kind == MISSED:
            state = states.get(unit_id)
            if state is None or state.status is not MonthStatus.MISSING:
                continue
            text = missed_text(state, cost)
        else:
            if unit_id not in texts:
                continue
            text = texts[unit_id]
        for channel, users in channels.items():
            planned.append({"unit_id": unit_id, "channel": channel, "recipients": users,
                            "text": text})
    return planned


def occurrence_key(occ: Occurrence) -> str:
    return f"{occ.name}:{occ.period}"


def fire(services, occ: Occurrence) -> int:
    """Record the notices of an occurrence once and queue their delivery; return how many.

    A manual run records its units' notices under the day's keys (a unit reminded by hand
    today gets no second one) and delivers just those, whatever else runs that day.
    """
    now = services.clock.now()
    manual = occ.kind == MANUAL
    delivery = f"deliver:{occurrence_key(occ)}" + (f":{now.timestamp():.0f}" if manual else "")
    with UnitOfWork(services.session_factory) as uow:
        if uow.session.scalars(select(WorkItem.id).where(
                WorkItem.dedup_key == delivery)).first():
            return 0  # fired before: its notices are recorded and on their way
    rules = services.conversation.rules
    group = services.config.reminders.group_channel
    batch = occurrence_key(occ)
    try:
        with UnitOfWork(services.session_factory) as uow:
            taken = set(uow.session.scalars(
                select(Notice.key).where(Notice.key.startswith(batch + ":"))))
            notices = []
            for entry in plan(uow.session, occ, now, rules, group):
                key = f"{batch}:{entry['unit_id'] or OFFICE}:{entry['channel']}"
                if key not in taken:
                    notices.append(Notice(key=key, kind=occ.kind, period=occ.period,
                                          state="pending", attempts=0, created_at=now, **entry))
            uow.session.add_all(notices)
            uow.session.flush()
            payload = {"batch": batch, **({"notices": [n.id for n in notices]} if manual else {})}
            if notices or not manual:
                enqueue(uow.session, JobKind.DELIVER_NOTICES, payload, now=now,
                        dedup_key=delivery)
            uow.commit()
    except IntegrityError:
        return 0  # another worker recorded the same notices at the same moment
    return len(notices)


def deliver(payload: dict, services) -> None:
    """Send an occurrence's pending notices; each distinct text once per recipients' batch.

    No transaction is open while a platform is called: the results are recorded after
    each send, so what was sent stays sent whatever fails next.
    """
    batch = payload["batch"]
    with UnitOfWork(services.session_factory) as uow:
        query = (select(Notice.id, Notice.channel, Notice.text, Notice.recipients,
                        Notice.unit_id)
                 .where(Notice.key.startswith(batch + ":"), Notice.state == "pending"))
        if "notices" in payload:   # a manual run: its own notices, not another run's
            query = query.where(Notice.id.in_(payload["notices"]))
        pending = uow.session.execute(query.order_by(Notice.id)).all()
    groups = defaultdict(list)
    for row in pending:
        groups[(row.channel, row.text)].append(row)
    retry = None
    for (channel, text), rows in groups.items():
        error, undelivered = None, {}
        try:
            undelivered = _send(services, channel, text, rows)
        except Exception as exc:  # recorded on the notices; transient ones retry
            error = exc
            if getattr(exc, "transient", True):
                retry = exc
        _record(services, [r.id for r in rows], channel, error, undelivered)
    if retry is not None:
        raise retry


def _record(services, ids: list[int], channel: str, error: Exception | None,
            undelivered: dict[str, str]) -> None:
    """Write how a send went on its notices: sent, or failed with why.

    A notice with a recipient the platform did not deliver to is failed (and not sent
    again: the others have it), each such recipient recorded with the platform's reason.
    """
    now = services.clock.now()
    with UnitOfWork(services.session_factory) as uow:
        for notice in uow.session.scalars(select(Notice).where(Notice.id.in_(ids))):
            notice.attempts += 1
            if error is not None:
                notice.error = f"{type(error).__name__}: {error}"[:2000]
                final = notice.attempts >= services.config.worker.max_attempts
                if final or not getattr(error, "transient", True):
                    notice.state = "failed"  # listed for the office by `notices --failed`
                continue
            notice.state = "recorded" if channel == "log" else "sent"
            missed = {u: undelivered[u] for u in dict.fromkeys(notice.recipients)
                      if u in undelivered}
            if len(missed) < len(notice.recipients):
                notice.sent_at = now
            if missed:
                notice.state = "failed"
                notice.error = undelivered_text(missed, len(notice.recipients))[:2000]
                uow.session.add_all(UndeliveredRecipient(notice_id=notice.id, user_id=user,
                                                         reason=reason, recorded_at=now)
                                    for user, reason in missed.items())
        uow.commit()


def undelivered_text(missed: dict[str, str], recipients: int) -> str:
    """`N 人中 M 人未送达：id（why）；…`, for a notice's error."""
    return (f"{recipients} 人中 {len(missed)} 人未送达："
            + "；".join(f"{user}（{reason}）" for user, reason in missed.items()))


def _send(services, channel: str, text: str, rows: list) -> dict[str, str]:
    """Send one text to the rows' recipients; the ones not delivered to, and why."""
    users = list(dict.fromkeys(u for r in rows for u in r.recipients))
    if channel == "log":
        return {}
    if channel == "console":
        now = services.clock.now()
        with UnitOfWork(services.session_factory) as uow:
            for user in users:
                uow.session.add(OutboxMessage(channel="console", user_id=user, text=text,
                                              state="sent", created_at=now, sent_at=now))
            uow.commit()
        return {}
    sender = services.senders.get(channel)
    if sender is None:
        raise ChannelNotConfigured(f"渠道 {channel} 未配置，无法发送")
    if rows[0].unit_id is None:
        sender.send_group(text)
        return {}
    result = sender.send_text(users, text)
    return {user: result.reasons.get(user, "平台答复未送达") for user in result.invalid_users}


class ChannelNotConfigured(Exception):
    """A notice for a channel this deployment has no sender for: final, listed for the office."""

    transient = False
