"""The DingTalk channel in HTTP mode over real HTTP: our server in a thread, a fake DingTalk
API server, and a client that signs callbacks as DingTalk does."""
from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.channels.dingtalk.inbox import NOT_A_MEMBER
from bot.config import ConfigError, build_config
from bot.bootstrap import build_services
from bot.office.units import new_binding_code
from bot.people import words_of
from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import (AuditEntry, InboundMessage, Liaison, StoredFile, SummaryItem, Unit,
                            WorkItem)
from tests.conftest import SUMMARY, add_unit, jpeg_bytes
from tests.fakes.dingtalk_api import FakeDingtalkApi
from tests.fakes.dingtalk_client import APP_KEY, APP_SECRET, DingtalkMember, sign

STAFF = "manager0001"


@pytest.fixture
def fake_api(clock):
    with FakeDingtalkApi(APP_KEY, APP_SECRET, clock=clock) as api:
        yield api


def dingtalk_config(db_url, tmp_path, api_url, **dingtalk):
    return build_config({
        "database": {"url": db_url}, "files": {"dir": str(tmp_path / "files")},
        "worker": {"max_attempts": 3},
        "dingtalk": {"app_key": APP_KEY, "app_secret": APP_SECRET, "mode": "http",
                     "api_base": api_url, "oapi_base": api_url,
                     "group_webhook_token": "group-robot-token",
                     "group_webhook_secret": "SEC0123456789abcdef", **dingtalk}})


@pytest.fixture
def dt_services(db_url, tmp_path, clock, fake_api):
    svc = build_services(dingtalk_config(db_url, tmp_path, fake_api.url), clock=clock)
    svc.dingtalk.sleep = lambda seconds: None   # no real waiting between retries
    yield svc
    svc.close()


@pytest.fixture
def server(dt_services):
    add_unit(dt_services, "县委党校", liaisons=[f"dingtalk:{STAFF}"])
    httpd = make_server("127.0.0.1", 0, create_app(services=dt_services), threaded=True)
    # The DingTalk reply goes out after the response, on the request's thread: the
    # teardown waits for those threads before the database goes away.
    httpd.daemon_threads, httpd.block_on_close = False, True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(10)


@pytest.fixture
def member(server, clock, fake_api):
    return DingtalkMember(server, clock, fake_api, staff_id=STAFF)


def count(services, model, *where) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def work_done(services, kind: str, timeout: float = 10.0) -> None:
    """Wait until every work item of this kind was tried (the direct reply) and is not running."""
    end = time.monotonic() + timeout
    while count(services, WorkItem, WorkItem.kind == kind,
                (WorkItem.state == "running") | (WorkItem.attempts == 0)) \
            and time.monotonic() < end:
        time.sleep(0.02)


def deliver(services, clock, seconds=5):
    """Run the worker now, then again once the outbox flush is due."""
    worker = Worker(services)
    worker.run_once()
    clock.advance(seconds=seconds)
    worker.run_once()


def test_a_text_is_acknowledged_with_an_empty_200_and_answered_through_the_webhook(
        member, fake_api, dt_services):
    resp = member.post(member.text(SUMMARY))
    assert resp.status_code == 200 and resp.content == b""
    [reply] = member.replies(0)
    assert "县委党校" in reply and "2026年3月" in reply and "2026-03-20 10:00:00" in reply
    assert f"文字 {len(SUMMARY)} 字" in reply and "图片 0 张" in reply
    [(staff, _, body)] = fake_api.session_texts()
    assert staff == STAFF and body["msgtype"] == "text" and "at" not in body
    assert count(dt_services, SummaryItem) == 1
    assert fake_api.calls_to("accessToken") == [] and fake_api.calls_to("batchSend") == []
    work_done(dt_services, "dingtalk_reply")
    assert count(dt_services, WorkItem, WorkItem.state == "done") == 1


def test_the_leading_space_after_an_at_mention_is_not_counted(member, dt_services):
    member.say("状态")
    with UnitOfWork(dt_services.session_factory) as uow:
        assert uow.session.scalars(select(InboundMessage.text)).one() == "状态"


def test_in_a_group_the_reply_ats_the_sender(server, clock, fake_api):
    member = DingtalkMember(server, clock, fake_api, staff_id=STAFF, conversation_type="2")
    assert "本月累计" in member.say("状态")
    [(_, _, body)] = fake_api.session_texts()
    assert body["at"] == {"atUserIds": [STAFF]}


def test_the_same_msg_id_twice_gives_one_item_and_one_reply(member, fake_api, dt_services):
    body = member.text(SUMMARY, msg_id="msgSAME0001==")
    assert member.post(body).status_code == 200
    member.replies(0)
    assert member.post(body).status_code == 200   # DingTalk's retry
    work_done(dt_services, "dingtalk_reply")
    time.sleep(0.2)
    assert len(fake_api.session_texts()) == 1
    assert count(dt_services, InboundMessage) == 1 and count(dt_services, SummaryItem) == 1


def test_an_unbound_member_is_told_how_to_bind(server, clock, fake_api):
    reply = DingtalkMember(server, clock, fake_api, staff_id="manager0002").say("你好，这是小结")
    assert "还没有绑定单位" in reply and "绑定" in reply


def test_someone_outside_the_organisation_is_refused_politely_and_nothing_is_stored(
        server, clock, fake_api, dt_services):
    outsider = DingtalkMember(server, clock, fake_api, staff_id=None, conversation_type="2")
    resp = outsider.post(outsider.text(SUMMARY))
    assert resp.status_code == 200
    work_done(dt_services, "dingtalk_reply")
    [(_, text, body)] = fake_api.session_texts()
    assert text == NOT_A_MEMBER and "at" not in body
    assert count(dt_services, InboundMessage) == 0 and count(dt_services, SummaryItem) == 0


def test_a_picture_is_acknowledged_at_once_and_stored_once_by_the_worker(
        member, fake_api, dt_services, clock):
    fake_api.add_file("DL_1", jpeg_bytes(seed=1))
    body = member.picture("DL_1", msg_id="msgPIC0001==")
    resp = member.post(body)
    assert resp.status_code == 200 and resp.content == b""
    assert member.post(body).status_code == 200   # a retry
    assert fake_api.calls_to("messageFiles/download") == []
    assert count(dt_services, InboundMessage) == 1
    assert count(dt_services, WorkItem, WorkItem.kind == "dingtalk_media") == 1
    deliver(dt_services, clock)
    assert count(dt_services, SummaryItem) == 1 and count(dt_services, StoredFile) == 1
    [receipt] = member.replies(0)
    assert "已记录：图片 1 张" in receipt and "县委党校" in receipt and "图片 1 张" in receipt
    # The receipt went through the member's live one-to-one webhook: no batchSend spent.
    assert fake_api.calls_to("batchSend") == []
    assert len(fake_api.calls_to("messageFiles/download")) == 1
    assert len(fake_api.calls_to("accessToken")) == 1
    with UnitOfWork(dt_services.session_factory) as uow:
        row = uow.session.scalars(select(InboundMessage)).one()
        assert row.state == "handled" and row.blob_path and row.payload["download_code"] == "DL_1"


def test_a_rich_text_gives_one_item_per_part_and_a_retry_adds_nothing(
        member, fake_api, dt_services, clock):
    fake_api.add_file("DL_A", jpeg_bytes(seed=21))
    fake_api.add_file("DL_B", jpeg_bytes(seed=22))
    body = member.message("richText", "msgRICH0001==", content={"richText": [
        {"text": SUMMARY}, {"type": "picture", "downloadCode": "DL_A"},
        {"text": "\n"}, {"type": "picture", "downloadCode": "DL_B"}, {"text": "下半月活动"}]})
    assert member.post(body).status_code == 200
    assert member.post(body).status_code == 200
    work_done(dt_services, "dingtalk_reply")
    with UnitOfWork(dt_services.session_factory) as uow:
        rows = uow.session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        assert [(r.platform_msg_id, r.kind) for r in rows] == [
            ("msgRICH0001==#1", "text"), ("msgRICH0001==#2", "photo"),
            ("msgRICH0001==#3", "photo"), ("msgRICH0001==#4", "text")]
    [text_replies] = member.replies(0)   # both text receipts, in one reply
    assert text_replies.count("已记录：文字") == 2
    deliver(dt_services, clock)
    receipts = member.replies(1)
    assert len(receipts) == 1 and receipts[0].startswith("处理结果（共 2 条）")
    assert count(dt_services, SummaryItem) == 4


def test_a_file_in_a_one_to_one_chat_is_a_document(member, fake_api, dt_services, clock):
    fake_api.add_file("DL_DOC", SUMMARY.encode("utf-8"), content_type="text/plain")
    member.post(member.message("file", content={"downloadCode": "DL_DOC",
                                                "fileName": "三月小结.txt"}))
    deliver(dt_services, clock)
    deliver(dt_services, clock)   # the text is read after the download, and answered again
    receipts = "\n".join(member.replies(0, count=2))
    assert "已收到：文档「三月小结.txt」" in receipts
    assert "三月小结.txt" in receipts and f"文字 {len(SUMMARY)} 字" in receipts


@pytest.mark.parametrize("msgtype, content, word", [
    ("audio", {"duration": 4000, "downloadCode": "A1", "recognition": "你好"}, "语音"),
    ("video", {"duration": 9, "downloadCode": "V1", "videoType": "mp4"}, "视频"),
])
def test_audio_and_video_get_what_is_accepted(member, msgtype, content, word, dt_services):
    member.post(member.message(msgtype, content=content))
    [reply] = member.replies(0)
    assert f"暂不支持{word}" in reply and "文字、图片" in reply
    assert count(dt_services, WorkItem, WorkItem.kind == "dingtalk_media") == 0


def test_a_download_code_dingtalk_refuses_tells_the_liaison_to_send_it_again(
        member, fake_api, dt_services, clock):
    member.post(member.picture("NEVER_SEEN"))
    deliver(dt_services, clock)
    [notice] = member.replies(0)
    assert "失效" in notice and "请重新发送" in notice
    assert count(dt_services, SummaryItem) == 0
    assert count(dt_services, WorkItem, WorkItem.state == "failed") == 1


def test_a_used_up_monthly_quota_is_not_retried_and_is_named(member, fake_api, dt_services,
                                                              clock):
    fake_api.add_file("DL_Q", jpeg_bytes(seed=5))
    fake_api.fail_next(1, "quota", path="messageFiles/download")
    member.post(member.picture("DL_Q"))
    deliver(dt_services, clock)
    [notice] = member.replies(0)
    assert "接口调用次数已用完" in notice
    assert len(fake_api.calls_to("messageFiles/download")) == 1
    with UnitOfWork(dt_services.session_factory) as uow:
        item = uow.session.scalars(select(WorkItem).where(
            WorkItem.kind == "dingtalk_media")).one()
        assert item.state == "failed" and "90020" in item.last_error   # given up at once


def test_a_download_that_fails_once_is_retried_and_stored_once(
        member, fake_api, dt_services, clock):
    fake_api.add_file("DL_8", jpeg_bytes(seed=8))
    fake_api.fail_next(1, "http500", path="/files/")
    member.post(member.picture("DL_8"))
    deliver(dt_services, clock, seconds=30)
    deliver(dt_services, clock)
    [receipt] = member.replies(0)
    assert "已记录：图片 1 张" in receipt
    assert count(dt_services, SummaryItem) == 1
    assert len(fake_api.calls_to("messageFiles/download")) == 2   # a fresh link each time


def test_a_json_answer_instead_of_the_picture_is_retried_then_the_liaison_is_told(
        member, fake_api, dt_services, clock):
    fake_api.add_file("DL_J", b'{"code": "Forbidden", "message": "denied"}', "image/jpeg")
    member.post(member.picture("DL_J"))
    worker = Worker(dt_services)
    for wait in (30, 60, 5):          # the work item's backoff doubles
        worker.run_once()
        clock.advance(seconds=wait)
    worker.run_once()
    [notice] = member.replies(0)
    assert "没有收到（钉钉多次返回的是错误信息而不是文件）" in notice and "请重新发送" in notice
    assert len(fake_api.calls_to("messageFiles/download")) == 3
    assert count(dt_services, SummaryItem) == 0


def test_a_file_without_a_name_takes_the_raw_utf8_name_of_its_download(
        member, fake_api, dt_services, clock):
    fake_api.add_file("DL_N", SUMMARY.encode("utf-8"), "text/plain", filename="三月小结.txt",
                      name_as="utf8")
    member.post(member.message("file", content={"downloadCode": "DL_N"}))
    deliver(dt_services, clock)
    deliver(dt_services, clock)   # the text is read after the download, and answered again
    receipts = "\n".join(member.replies(0, count=2))
    assert "三月小结.txt" in receipts and f"文字 {len(SUMMARY)} 字" in receipts


def test_a_reply_whose_webhook_expired_goes_by_batch_send(member, fake_api, dt_services, clock):
    body = member.text("状态")
    body["sessionWebhookExpiredTime"] = member.now_ms() - 1000
    member.post(body)
    [reply] = member.replies(0)
    assert "本月累计" in reply
    assert fake_api.session_texts() == []
    [(users, text)] = fake_api.batch_texts()
    assert users == (STAFF,) and text == reply


def test_a_direct_reply_that_fails_is_finished_by_the_worker(member, fake_api, dt_services,
                                                              clock):
    fake_api.fail_next(3, "http500", path="sendBySession")
    member.post(member.text("状态"))
    work_done(dt_services, "dingtalk_reply")
    assert len(fake_api.calls_to("sendBySession")) == 3 and fake_api.session_texts() == []
    clock.advance(seconds=31)
    Worker(dt_services).run_once()
    [text] = fake_api.texts_for(STAFF)
    assert "本月累计" in text
    assert count(dt_services, WorkItem, WorkItem.state == "done") == 1


def encoded(body) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def refused_requests(member: DingtalkMember):
    """(name, body bytes, header overrides, status) of callbacks that must get a 4xx."""
    good = member.text(SUMMARY)
    ts = str(member.now_ms())
    old = str(member.now_ms() - 3601_000)
    other_host = dict(good, sessionWebhook="https://evil.example/robot/sendBySession?s=1")
    return [
        ("wrong sign", encoded(good), {"signature": sign(ts, "wrong-secret")}, 403),
        ("no sign", encoded(good), {"signature": ""}, 403),
        ("sign of another timestamp", encoded(good), {"timestamp": ts,
                                                       "signature": sign(str(int(ts) + 1))}, 403),
        ("stale timestamp, correctly signed", encoded(good), {"timestamp": old,
                                                               "signature": sign(old)}, 403),
        ("timestamp an hour ahead", encoded(good),
         {"timestamp": str(int(ts) + 3601_000), "signature": sign(str(int(ts) + 3601_000))}, 403),
        ("timestamp in seconds", encoded(good), {"timestamp": ts[:-3],
                                                 "signature": sign(ts[:-3])}, 403),
        ("no timestamp", encoded(good), {"timestamp": ""}, 403),
        ("not JSON", b"msgtype=text&content=hi", {}, 400),
        ("a JSON list", b"[1, 2]", {}, 400),
        ("empty body", b"", {}, 400),
        ("no msgId", encoded({k: v for k, v in good.items() if k != "msgId"}), {}, 400),
        ("createAt not a time", encoded(dict(good, createAt="yesterday")), {}, 400),
        ("text without content", encoded(dict(good, text={})), {}, 400),
        ("picture without downloadCode", encoded(member.message("picture", content={})), {}, 400),
        ("webhook on another host", encoded(other_host), {}, 400),
        ("over 64 KB", encoded(member.text("字" * 30000)), {}, 413),
    ]


def test_bad_callbacks_get_a_4xx_store_nothing_and_the_server_stays_healthy(
        server, member, fake_api, dt_services):
    for name, body, headers, status in refused_requests(member):
        resp = member.post(body, **headers)
        assert resp.status_code == status, name
    assert count(dt_services, InboundMessage) == 0
    assert count(dt_services, WorkItem) == 0
    assert fake_api.calls == []
    assert requests.get(f"{server}/healthz", timeout=10).json() == {"ok": True}
    assert "已记录" in member.say(SUMMARY)


@pytest.mark.parametrize("dingtalk", [{}, {"mode": "stream", "app_key": APP_KEY,
                                          "app_secret": APP_SECRET}])
def test_the_callback_is_registered_only_in_http_mode(db_url, tmp_path, dingtalk):
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path)},
                           "dingtalk": dingtalk})
    with build_services(config) as svc:
        assert "dingtalk" not in create_app(services=svc).blueprints


@pytest.mark.parametrize("dingtalk, key", [
    ({"app_key": APP_KEY}, "dingtalk.app_secret"),
    ({"app_secret": APP_SECRET}, "dingtalk.app_key"),
    ({"group_webhook_secret": "SECabc"}, "dingtalk.group_webhook_token"),
])
def test_half_a_pair_of_keys_stops_start_up_naming_the_key(db_url, tmp_path, dingtalk, key):
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path)},
                           "dingtalk": dingtalk})
    with pytest.raises(ConfigError, match=key):
        build_services(config)


def test_a_group_webhook_secret_must_be_a_sec_secret():
    with pytest.raises(ConfigError, match="dingtalk.group_webhook_secret"):
        build_config({"dingtalk": {"group_webhook_secret": "not-a-sec-secret"}})


def test_binding_by_code_records_the_name_dingtalk_sends_with_the_message(
        server, clock, fake_api, dt_services):
    unit_id = add_unit(dt_services, "团县委")
    with UnitOfWork(dt_services.session_factory) as uow:
        code = new_binding_code(uow.session, uow.session.get(Unit, unit_id), clock.now(),
                                timedelta(days=7), "admin:chief").code
        uow.commit()
    reply = DingtalkMember(server, clock, fake_api, staff_id="manager0009").say(f"绑定 {code}")
    assert "团县委" in reply
    with UnitOfWork(dt_services.session_factory) as uow:
        liaison = uow.session.scalars(select(Liaison).where(
            Liaison.platform_user_id == "manager0009")).one()
        assert (liaison.unit_id, liaison.platform_name, liaison.display_name) == (
            unit_id, "张三", "")
        assert words_of(liaison) == "张三"
        [entry] = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "liaison")).all()
        assert entry.new["platform_name"] == "张三"
