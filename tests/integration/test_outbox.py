"""The outbox and the shared token on a real database: one flush per burst, pushed once,
tokens reused across processes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels import outbox
from bot.channels.clients import TokenCache
from bot.channels.sending import SendResult
from bot.jobs import PermanentError
from bot.messages import Incoming, Reply
from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import OutboxMessage, WorkItem
from tests.conftest import add_unit, jpeg_bytes


def push(services, *texts, user="ZhangSan"):
    with UnitOfWork(services.session_factory) as uow:
        outbox.push(uow.session, "wecom", user, [Reply(t) for t in texts], services.clock.now())
        uow.commit()


def flushes(services, state=None) -> list[WorkItem]:
    with UnitOfWork(services.session_factory) as uow:
        query = select(WorkItem).where(WorkItem.kind == "outbox_flush")
        if state:
            query = query.where(WorkItem.state == state)
        return list(uow.session.scalars(query))


def outbox_rows(services) -> list[OutboxMessage]:
    with UnitOfWork(services.session_factory) as uow:
        return list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


class RecordingSender:
    """A Sender that keeps what it was asked to send."""

    def __init__(self, refuse=()):
        self.sent, self.refuse = [], set(refuse)

    def send_text(self, user_ids, text):
        self.sent.append((tuple(user_ids), text))
        bad = [u for u in user_ids if u in self.refuse]
        return SendResult(sent=len(user_ids) - len(bad), invalid_users=bad, calls=1)


def test_a_burst_of_pushes_queues_one_flush_a_few_seconds_after_the_first(services, clock):
    for n in range(5):
        push(services, f"回执 {n}")
        clock.advance(seconds=1)
    [item] = flushes(services)
    assert item.run_after == clock.now() - timedelta(seconds=5) + outbox.FLUSH_DELAY
    push(services, "别人的回执", user="LiSi")
    assert len(flushes(services)) == 2


def test_a_push_while_the_flush_is_running_gets_a_flush_of_its_own(services, clock):
    push(services, "回执 1")
    with UnitOfWork(services.session_factory) as uow:
        item = uow.session.scalars(select(WorkItem)).one()
        item.state = "running"
        uow.commit()
    push(services, "回执 2")
    assert len(flushes(services, "queued")) == 1 and len(flushes(services)) == 2


def test_the_flush_sends_everything_pending_as_one_message_and_marks_it_sent(services, clock):
    services.senders["wecom"] = sender = RecordingSender()
    push(services, "第一条", "第二条")
    clock.advance(seconds=5)
    Worker(services).run_once()
    assert sender.sent == [(("ZhangSan",), "第一条\n\n第二条")]
    assert [r.state for r in outbox_rows(services)] == ["sent", "sent"]
    assert all(r.sent_at == clock.now() for r in outbox_rows(services))
    Worker(services).run_once()
    assert len(sender.sent) == 1


def test_a_member_the_platform_refuses_fails_the_entries_without_retrying(services, clock):
    services.senders["wecom"] = RecordingSender(refuse={"ZhangSan"})
    push(services, "回执")
    clock.advance(seconds=5)
    Worker(services).run_once()
    [row] = outbox_rows(services)
    assert row.state == "failed" and "ZhangSan" in row.error
    assert flushes(services)[0].state == "failed"


def test_without_a_sender_for_the_channel_the_entries_fail_with_a_reason(services, clock):
    push(services, "回执")
    with pytest.raises(PermanentError):
        outbox.flush({"channel": "wecom", "user_id": "ZhangSan"}, services)
    assert outbox_rows(services)[0].state == "failed"


def test_the_answers_to_a_stored_message_are_pushed_once_however_often_asked(services):
    inbound_id, _ = services.conversation.store(Incoming(
        channel="wecom", user_id="ZhangSan", msg_id="1", kind="text", text="状态",
        received_at=services.clock.now()))
    assert outbox.push_for_inbound(services, inbound_id, [Reply("第二部分")]) is True
    assert outbox.push_for_inbound(services, inbound_id, [Reply("第二部分")]) is False
    assert [r.text for r in outbox_rows(services)] == ["第二部分"]


def test_a_message_whose_handling_failed_is_answered_by_push_once_the_worker_finished_it(
        services, clock):
    add_unit(services, "县委党校", liaisons=["wecom:ZhangSan"])
    services.senders["wecom"] = sender = RecordingSender()
    blob = "incoming/ab/cd/arrives-late.jpg"
    [first] = [reply.text for reply in services.conversation.receive(Incoming(
        channel="wecom", user_id="ZhangSan", msg_id="88", kind="photo", blob_path=blob,
        received_at=clock.now()))]
    assert "自动重试" in first
    path = services.files.path(blob)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg_bytes())
    Worker(services).run_once()
    clock.advance(seconds=5)
    Worker(services).run_once()
    [(_, text)] = sender.sent
    assert "已记录：图片 1 张" in text


def fetcher(tokens):
    calls = []

    def fetch():
        calls.append(1)
        return tokens[len(calls) - 1], 7200
    return fetch, calls


def test_a_token_stored_by_one_process_is_used_by_another(services):
    a = TokenCache(services.session_factory, "wecom:x", services.clock)
    b = TokenCache(services.session_factory, "wecom:x", services.clock)
    fetch, calls = fetcher(["t1", "t2"])
    assert a.get() is None and a.refresh(fetch) == "t1"
    assert b.get() == "t1" and b.refresh(fetch) == "t1" and len(calls) == 1


def test_a_refused_token_is_never_reused_but_another_s_fresh_refresh_is(services):
    a = TokenCache(services.session_factory, "wecom:x", services.clock)
    fetch, calls = fetcher(["t1", "t2", "t3"])
    a.refresh(fetch)
    assert a.refresh(fetch, stale="t1") == "t2"      # t1 refused: fetch
    assert a.refresh(fetch, stale="t1") == "t2"      # t2 already replaced it: reuse
    assert len(calls) == 2


def test_a_token_is_stale_five_minutes_before_its_expiry(services, clock):
    a = TokenCache(services.session_factory, "wecom:x", services.clock)
    a.refresh(fetcher(["t1"])[0])
    clock.advance(seconds=7200 - 300)
    assert a.get() is None
