"""Reminders and notices driven by a settable clock, on a real database.

October 2026: the 25th is a Sunday. With holiday shift on, the deadline moves to the
end of Monday the 26th (27th 00:00).
"""
from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy import func, select

from bot.bootstrap import build_services
from bot.config import build_config
from bot.worker import Worker
from bot.worker.scheduler import Leadership, run_due
from storage.db import UnitOfWork
from storage.models import MonthExcuse, Notice, OutboxMessage, UndeliveredRecipient, WorkItem
from tests.conftest import SUMMARY, Dialogue, add_unit, jpeg_bytes, shanghai


@pytest.fixture
def services(db_url, tmp_path, clock):
    config = build_config({"database": {"url": db_url},
                           "files": {"dir": str(tmp_path / "files")},
                           "deadline": {"holiday_shift": True}})
    svc = build_services(config, clock=clock)
    yield svc
    svc.close()


@pytest.fixture
def october(services, clock):
    """Four units since September: early, late, exempt, owing; one console liaison each."""
    clock.set(shanghai(2026, 9, 1, 9, 0, 0))
    ids = {name: add_unit(services, name, liaisons=[f"console:{name}"])
           for name in ("早报单位", "迟报单位", "免报单位", "未报单位")}
    with UnitOfWork(services.session_factory) as uow:
        uow.session.add(MonthExcuse(unit_id=ids["免报单位"], month="2026-10", kind="exempt",
                                    reason="改革撤并", created_by="test", created_at=clock.now()))
        uow.commit()
    chat = Dialogue(services)
    clock.set(shanghai(2026, 10, 15, 10, 0, 0))
    chat.say("console:早报单位", SUMMARY)
    chat.photo("console:早报单位", jpeg_bytes(seed=1))
    return ids


def tick(services, at, leadership=None):
    services.clock.set(at)
    fired = run_due(services, leadership or Leadership(services.engine))
    Worker(services).run_once(limit=50)
    return fired


def sent_to(services, kind=None):
    with UnitOfWork(services.session_factory) as uow:
        query = select(OutboxMessage.user_id, OutboxMessage.text).order_by(OutboxMessage.id)
        rows = uow.session.execute(query).all()
    return [(u, t) for u, t in rows if kind is None or kind in t]


def notices(services, **where):
    with UnitOfWork(services.session_factory) as uow:
        query = select(Notice)
        for key, value in where.items():
            query = query.where(getattr(Notice, key) == value)
        return uow.session.scalars(query.order_by(Notice.id)).all()


def test_a_reminder_goes_only_to_the_units_that_still_owe(services, october):
    tick(services, shanghai(2026, 10, 20, 9, 10, 0))
    users = sorted(u for u, _ in sent_to(services, "月度小结提醒"))
    assert users == ["未报单位", "迟报单位"]
    [(_, text)] = sent_to(services, "月度小结提醒")[:1]
    assert "2026年10月" in text and "文字（至少 50 字）" in text and "图片（至少 1 张）" in text
    assert "2026-10-27 00:00" in text  # holiday shift: the Sunday deadline moved


def test_nobody_is_reminded_twice_for_the_same_reminder(services, october):
    tick(services, shanghai(2026, 10, 20, 9, 10, 0))
    tick(services, shanghai(2026, 10, 20, 9, 11, 0))
    tick(services, shanghai(2026, 10, 20, 12, 0, 0))
    assert len(sent_to(services, "月度小结提醒")) == 2


def test_a_worker_down_at_reminder_time_sends_it_when_back_within_the_grace(services, october):
    fired = tick(services, shanghai(2026, 10, 23, 10, 30, 0))  # the 09:10 reminder was missed
    assert [o.name for o in fired] == ["reminder1"]
    assert len(sent_to(services, "月度小结提醒")) == 2


def test_a_reminder_older_than_the_grace_is_never_sent(services, october):
    assert tick(services, shanghai(2026, 10, 23, 15, 20, 0)) == []
    assert sent_to(services) == []


def test_the_last_reminder_comes_on_the_shifted_deadline_day_and_none_after(services, october):
    fired = tick(services, shanghai(2026, 10, 26, 16, 10, 0))
    assert "reminder2" in [o.name for o in fired]
    services.clock.set(shanghai(2026, 10, 27, 0, 30, 0))
    Dialogue(services).say("console:迟报单位", SUMMARY)
    assert [o.name for o in tick(services, shanghai(2026, 10, 27, 1, 0, 0))] == []


def test_after_the_deadline_the_unit_that_missed_is_told_what_it_cost(services, october):
    tick(services, shanghai(2026, 10, 27, 9, 10, 0))
    missed = sent_to(services, "逾期提醒")
    assert sorted(u for u, _ in missed) == ["未报单位", "迟报单位"]
    assert "扣0.5分" in missed[0][1]


def test_the_office_digest_names_who_has_not_sent(services, october):
    tick(services, shanghai(2026, 10, 27, 9, 20, 0))
    [digest] = notices(services, kind="digest")
    assert digest.state == "recorded"  # no group robot configured: kept for `notices`
    assert "未报齐：迟报单位、未报单位" in digest.text and "按时报齐 1 个" in digest.text


def test_an_exempt_unit_gets_nothing(services, october):
    for at in (shanghai(2026, 10, 20, 9, 10, 0), shanghai(2026, 10, 27, 9, 10, 0)):
        tick(services, at)
    assert all(u != "免报单位" for u, _ in sent_to(services))


def test_each_unit_gets_its_quarter_result_on_the_first_working_day(services, october):
    tick(services, shanghai(2026, 10, 8, 9, 30, 0))  # after the National Day holiday
    results = sent_to(services, "季度考核结果")
    assert sorted(u for u, _ in results) == sorted(october)
    assert all("2026年第三季度" in t for _, t in results)


def test_a_notice_for_a_channel_without_a_sender_fails_and_is_listed(services, october):
    add_unit(services, "钉钉单位", liaisons=["dingtalk:0123"])
    tick(services, shanghai(2026, 10, 20, 9, 10, 0))
    [failed] = notices(services, channel="dingtalk")
    assert failed.state == "failed" and "未配置" in failed.error


def test_two_workers_at_once_record_and_send_each_notice_once(services, october):
    services.clock.set(shanghai(2026, 10, 20, 9, 10, 0))
    barrier = threading.Barrier(2)
    fired = []

    def worker():
        leadership = Leadership(services.engine)
        barrier.wait()
        fired.append(run_due(services, leadership))
        barrier.wait()  # hold leadership until both have tried
        leadership.release()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    Worker(services, name="a").run_once(limit=50)
    Worker(services, name="b").run_once(limit=50)
    assert len(notices(services, kind="reminder")) == 2
    assert len(sent_to(services, "月度小结提醒")) == 2
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.kind == "deliver_notices")) == 1
    if services.engine.dialect.name == "postgresql":
        assert sorted(len(f) for f in fired) == [0, 1]  # the advisory lock elected one


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


def test_a_complete_summary_is_mailed_to_the_office_once_with_its_photos(db_url, tmp_path, clock, smtp):
    import email
    from email import policy
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
                           "mail": {"enabled": True, "host": "127.0.0.1", "port": smtp.port,
                                    "sender": "bot@county.gov.cn",
                                    "to": ["office@county.gov.cn"]}})
    with build_services(config, clock=clock) as services:
        add_unit(services, "县委党校", liaisons=["console:dx"])
        chat = Dialogue(services)
        chat.say("console:dx", SUMMARY)
        Worker(services).run_once()
        assert smtp.messages == []  # not complete yet
        chat.photo("console:dx", jpeg_bytes(seed=5))
        Worker(services).run_once()
        chat.photo("console:dx", jpeg_bytes(seed=6))  # a later addition: no second mail
        Worker(services).run_once()
    [envelope] = smtp.messages
    assert envelope.rcpt_tos == ["office@county.gov.cn"]
    msg = email.message_from_bytes(envelope.content, policy=policy.default)
    assert "县委党校" in msg["Subject"] and "2026年3月" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert "2026-03-20 10:00:00" in body and SUMMARY in body
    photos = [p for p in msg.iter_attachments() if p.get_content_type() == "image/jpeg"]
    assert len(photos) == 1  # mailed once, when it became complete


def test_a_mail_failure_is_retried_and_never_blocks_the_chat(db_url, tmp_path, clock):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
                           "mail": {"enabled": True, "host": "127.0.0.1", "port": dead_port,
                                    "to": ["office@county.gov.cn"], "timeout_seconds": 2.0}})
    with build_services(config, clock=clock) as services:
        add_unit(services, "县委党校", liaisons=["console:dx"])
        chat = Dialogue(services)
        chat.say("console:dx", SUMMARY)
        [receipt] = chat.photo("console:dx", jpeg_bytes())
        assert "按时报送" in receipt
        Worker(services).run_once()
        with UnitOfWork(services.session_factory) as uow:
            item = uow.session.scalars(select(WorkItem).where(WorkItem.kind == "mail_summary")).one()
        assert item.state == "queued" and item.attempts == 1 and "Connection" in item.last_error


def test_a_console_liaison_sees_the_reminder_in_the_console_history(services, october):
    from bot.app import create_app
    tick(services, shanghai(2026, 10, 20, 9, 10, 0))
    client = create_app(services=services).test_client()
    messages = client.get("/console/api/messages", query_string={"user": "未报单位"}).json["messages"]
    assert [m["kind"] for m in messages] == ["notice"]
    assert "月度小结提醒" in messages[0]["text"]


def test_reminders_go_through_wecom_batched_by_text_and_undelivered_users_fail_their_notice(
        db_url, tmp_path, clock):
    from tests.fakes.wecom_api import FakeWecomApi
    with FakeWecomApi("wwcorp000000000001", "s3cret") as fake:
        fake.invalid_users.add("ghost")
        fake.unlicensed_users.add("WangWu")
        config = build_config({
            "database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
            "wecom": {"corp_id": "wwcorp000000000001", "agent_id": 1000002,
                      "secret": "s3cret", "api_base": fake.url}})
        with build_services(config, clock=clock) as services:
            clock.set(shanghai(2026, 3, 1, 9, 0, 0))
            add_unit(services, "甲", liaisons=["wecom:zhangsan", "wecom:ghost", "wecom:WangWu"])
            add_unit(services, "乙", liaisons=["wecom:lisi"])
            tick(services, shanghai(2026, 3, 20, 9, 10, 0))
            sent = {n.unit_id: n for n in notices(services, kind="reminder")}
            with UnitOfWork(services.session_factory) as uow:
                missed = uow.session.execute(
                    select(UndeliveredRecipient.notice_id, UndeliveredRecipient.user_id,
                           UndeliveredRecipient.reason).order_by(UndeliveredRecipient.user_id)
                ).all()
        [call] = fake.calls_to("message/send")
    assert sorted(call.body["touser"].split("|")) == ["WangWu", "ghost", "lisi", "zhangsan"]
    assert "月度小结提醒" in call.body["text"]["content"]
    jia, yi = sorted(sent.values(), key=lambda n: n.id)
    assert (yi.state, yi.error) == ("sent", None)
    # zhangsan got it, so it was sent; ghost and WangWu did not, so it is listed as failed.
    assert jia.state == "failed" and jia.sent_at is not None
    assert jia.error.startswith("3 人中 2 人未送达")
    assert [(n, u) for n, u, _ in missed] == [(jia.id, "WangWu"), (jia.id, "ghost")]
    assert "unlicenseduser" in missed[0].reason and "invaliduser" in missed[1].reason


def test_a_send_that_keeps_failing_is_retried_then_listed_as_failed(db_url, tmp_path, clock):
    from tests.fakes.wecom_api import FakeWecomApi
    with FakeWecomApi("wwcorp000000000001", "s3cret") as fake:
        config = build_config({
            "database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
            "worker": {"max_attempts": 2, "backoff_seconds": 1.0},
            "wecom": {"corp_id": "wwcorp000000000001", "agent_id": 1000002,
                      "secret": "s3cret", "api_base": fake.url}})
        with build_services(config, clock=clock) as services:
            clock.set(shanghai(2026, 3, 1, 9, 0, 0))
            add_unit(services, "甲", liaisons=["wecom:zhangsan"])
            fake.fail_next(50, "busy", "message/send")
            tick(services, shanghai(2026, 3, 20, 9, 10, 0))
            [first] = notices(services, kind="reminder")
            assert first.state == "pending" and first.attempts == 1
            clock.advance(minutes=5)
            Worker(services).run_once()
            [final] = notices(services, kind="reminder")
    assert final.state == "failed" and final.attempts == 2 and final.error
