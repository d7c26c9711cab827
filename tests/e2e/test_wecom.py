"""The WeCom channel over real HTTP: our server in a thread, a fake WeCom API server, and a
client that encrypts and signs as WeCom does."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.config import ConfigError, build_config
from bot.bootstrap import build_services
from bot.office.units import new_binding_code
from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import InboundMessage, Liaison, OutboxMessage, SummaryItem, Unit, WorkItem
from tests.conftest import SUMMARY, add_unit, jpeg_bytes
from tests.fakes.wecom_api import FakeWecomApi
from tests.fakes.wecom_client import (AES_KEY, AGENT_ID, CORP_ID, TOKEN, Member, WecomClient,
                                     message_xml)

CORP, AGENT, SECRET, USER = CORP_ID, AGENT_ID, "s3cret", "ZhangSan"


@pytest.fixture
def fake_api():
    with FakeWecomApi(CORP, SECRET) as api:
        yield api


def wecom_config(db_url, tmp_path, api_url, **wecom):
    return build_config({
        "database": {"url": db_url}, "files": {"dir": str(tmp_path / "files")},
        "worker": {"max_attempts": 3},
        "wecom": {"corp_id": CORP, "agent_id": AGENT, "secret": SECRET, "token": TOKEN,
                  "encoding_aes_key": AES_KEY, "api_base": api_url,
                  "webhook_key": "robot-key", **wecom}})


@pytest.fixture
def wecom_services(db_url, tmp_path, clock, fake_api):
    svc = build_services(wecom_config(db_url, tmp_path, fake_api.url), clock=clock)
    yield svc
    svc.close()


@pytest.fixture
def server(wecom_services):
    add_unit(wecom_services, "县委党校", liaisons=[f"wecom:{USER}"])
    httpd = make_server("127.0.0.1", 0, create_app(services=wecom_services), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(10)


def count(services, model, *where) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def deliver(services, clock, seconds=5):
    """Run the worker now, then again once the outbox flush is due."""
    worker = Worker(services)
    worker.run_once()
    clock.advance(seconds=seconds)
    worker.run_once()


def test_url_verification_answers_the_bare_decrypted_echostr(server, clock):
    client = WecomClient(TOKEN, AES_KEY, CORP)
    resp = requests.get(f"{server}/wecom/callback", timeout=10,
                        params=client.verification("1288432023552776189", "1476416373", "47744683"))
    assert resp.status_code == 200 and resp.content == b"1288432023552776189"


def test_url_verification_with_a_bad_signature_is_refused(server):
    params = WecomClient(TOKEN, AES_KEY, CORP).verification("1", "1476416373", "47744683")
    params["nonce"] = "47744684"
    resp = requests.get(f"{server}/wecom/callback", params=params, timeout=10)
    assert resp.status_code == 403


def test_a_bound_liaison_s_text_gets_an_encrypted_passive_receipt(server, clock, wecom_services):
    member = Member(server, clock)
    xml = member.client.read_reply(member.post("text", Content=SUMMARY).text)
    assert (xml["ToUserName"], xml["FromUserName"], xml["AgentID"]) == (USER, CORP, str(AGENT))
    receipt = xml["Content"]
    assert "县委党校" in receipt and "2026年3月" in receipt and "2026-03-20 10:00:00" in receipt
    assert f"文字 {len(SUMMARY)} 字" in receipt and "图片 0 张" in receipt
    assert count(wecom_services, SummaryItem) == 1


def test_the_same_msg_id_twice_gives_one_item_and_the_same_answer(server, clock, wecom_services):
    member = Member(server, clock)
    first = member.say(SUMMARY, msg_id="777")
    clock.advance(seconds=5)   # WeCom's retry comes 5 s later
    assert member.say(SUMMARY, msg_id="777") == first
    assert count(wecom_services, SummaryItem) == 1
    assert count(wecom_services, InboundMessage) == 1


def test_an_unbound_member_is_told_how_to_bind(server, clock):
    assert "绑定" in Member(server, clock, user="LiSi").say("你好，这是本月小结")


def test_a_link_is_recorded_as_text(server, clock, wecom_services):
    resp = Member(server, clock).post("link", Title="敬老院义诊活动报道",
                                      Description=SUMMARY, Url="https://example.cn/a")
    assert "已记录：文字" in Member(server, clock).reply(resp)
    assert count(wecom_services, SummaryItem) == 1


@pytest.mark.parametrize("msg_type, fields, word", [
    ("voice", {"MediaId": "v1", "Format": "amr"}, "语音"),
    ("video", {"MediaId": "v2", "ThumbMediaId": "t2"}, "视频"),
    ("location", {"Location_X": "23.1", "Location_Y": "113.3", "Scale": "15",
                  "Label": "县城"}, "位置"),
])
def test_voice_video_and_location_get_what_is_accepted(server, clock, msg_type, fields, word):
    resp = Member(server, clock).post(msg_type, **fields)
    content = Member(server, clock).reply(resp)
    assert f"暂不支持{word}" in content and "文字、图片" in content


def test_opening_the_app_gets_a_welcome_with_the_commands(server, clock, wecom_services):
    resp = Member(server, clock).post("event", Event="enter_agent", EventKey="")
    content = Member(server, clock).reply(resp)
    assert "县委党校" in content and "可用命令" in content and "状态" in content
    assert count(wecom_services, InboundMessage) == 0


def test_other_events_get_an_empty_200(server, clock):
    resp = Member(server, clock).post("event", Event="click", EventKey="menu_1")
    assert resp.status_code == 200 and resp.content == b""


def test_a_photo_is_acknowledged_at_once_and_its_receipt_follows_by_active_message(
        server, clock, wecom_services, fake_api):
    fake_api.add_media("MEDIA_1", jpeg_bytes(seed=1))
    fake_api.slow("media/get", 6.0)   # slower than WeCom's 5 s: the callback must not wait
    member = Member(server, clock)
    resp = member.post("image", msg_id="901", PicUrl="http://p/1.jpg", MediaId="MEDIA_1")
    assert resp.status_code == 200 and resp.content == b""
    assert fake_api.calls_to("media/get") == []
    member.post("image", msg_id="901", PicUrl="http://p/1.jpg", MediaId="MEDIA_1")  # retry
    assert count(wecom_services, InboundMessage) == 1
    assert count(wecom_services, WorkItem, WorkItem.kind == "wecom_media") == 1
    deliver(wecom_services, clock)
    assert count(wecom_services, SummaryItem) == 1
    [(touser, receipt)] = fake_api.sent_texts()
    assert touser == USER
    assert "已记录：图片 1 张" in receipt and "县委党校" in receipt and "2026年3月" in receipt
    assert "文字 0 字，图片 1 张" in receipt and "时间：2026-03-20 10:00:00" in receipt
    with UnitOfWork(wecom_services.session_factory) as uow:
        row = uow.session.scalars(select(InboundMessage)).one()
        assert row.state == "handled" and row.blob_path and row.payload["media_id"] == "MEDIA_1"


def test_a_burst_of_photos_gets_one_coalesced_message(server, clock, wecom_services, fake_api):
    member = Member(server, clock)
    for n in range(5):
        fake_api.add_media(f"M{n}", jpeg_bytes(seed=n + 10))
        member.post("image", PicUrl="", MediaId=f"M{n}")
        clock.advance(seconds=1)
    deliver(wecom_services, clock)
    [(touser, message)] = fake_api.sent_texts()
    assert touser == USER and message.startswith("处理结果（共 5 条）：")
    assert message.count("已记录：图片 1 张") == 5 and "图片 5 张" in message
    assert count(wecom_services, OutboxMessage, OutboxMessage.state == "sent") == 5


def test_an_expired_media_id_tells_the_liaison_to_send_it_again(
        server, clock, wecom_services, fake_api):
    Member(server, clock).post("image", PicUrl="", MediaId="GONE")
    deliver(wecom_services, clock)
    [(_, message)] = fake_api.sent_texts()
    assert "过期" in message and "请重新发送" in message
    assert count(wecom_services, SummaryItem) == 0
    assert count(wecom_services, WorkItem, WorkItem.state == "failed") == 1


def test_a_download_that_keeps_failing_is_retried_then_the_liaison_is_told(
        server, clock, wecom_services, fake_api):
    fake_api.add_media("MEDIA_9", jpeg_bytes(seed=9))
    fake_api.fail_next(10, "http500", path="media/get")
    Member(server, clock).post("image", PicUrl="", MediaId="MEDIA_9")
    worker = Worker(wecom_services)
    for wait in (30, 60, 0):          # the work item's backoff doubles
        worker.run_once()
        assert fake_api.sent_texts() == []
        clock.advance(seconds=wait)
    clock.advance(seconds=5)
    worker.run_once()
    [(_, message)] = fake_api.sent_texts()
    assert "没有收到" in message and "请重新发送" in message
    assert len(fake_api.calls_to("media/get")) == 3


def test_a_download_that_fails_once_is_retried_and_stored_once(
        server, clock, wecom_services, fake_api):
    fake_api.add_media("MEDIA_8", jpeg_bytes(seed=8))
    fake_api.fail_next(1, "busy", path="media/get")
    Member(server, clock).post("image", PicUrl="", MediaId="MEDIA_8")
    deliver(wecom_services, clock, seconds=30)
    deliver(wecom_services, clock)
    [(_, message)] = fake_api.sent_texts()
    assert "已记录：图片 1 张" in message
    assert count(wecom_services, SummaryItem) == 1


def test_a_file_is_downloaded_and_its_text_counted(server, clock, wecom_services, fake_api):
    fake_api.add_media("DOC_1", SUMMARY.encode("utf-8"), content_type="text/plain")
    Member(server, clock).post("file", MediaId="DOC_1", FileName="三月小结.txt")
    deliver(wecom_services, clock)
    deliver(wecom_services, clock)   # the text is read after the download, and answered again
    messages = "\n".join(text for _, text in fake_api.sent_texts())
    assert "已收到：文档「三月小结.txt」" in messages
    assert "三月小结.txt" in messages and f"文字 {len(SUMMARY)} 字" in messages


def test_an_error_page_instead_of_the_photo_is_retried_then_the_liaison_is_told(
        server, clock, wecom_services, fake_api):
    fake_api.add_media("MEDIA_7", b"<html><body>502 Bad Gateway</body></html>", "text/html")
    Member(server, clock).post("image", PicUrl="", MediaId="MEDIA_7")
    worker = Worker(wecom_services)
    for wait in (30, 60, 5):          # the work item's backoff doubles
        worker.run_once()
        clock.advance(seconds=wait)
    worker.run_once()
    [(_, message)] = fake_api.sent_texts()
    assert "没有收到（企业微信多次返回的是错误信息而不是文件）" in message and "请重新发送" in message
    assert len(fake_api.calls_to("media/get")) == 3
    assert count(wecom_services, SummaryItem) == 0
    with UnitOfWork(wecom_services.session_factory) as uow:
        assert uow.session.scalars(select(InboundMessage.blob_path)).all() == [None]


def test_a_file_without_a_name_takes_the_raw_utf8_name_of_its_download(
        server, clock, wecom_services, fake_api):
    fake_api.add_media("DOC_2", SUMMARY.encode("utf-8"), "text/plain",
                       disposition='attachment; filename="三月小结.txt"')
    Member(server, clock).post("file", MediaId="DOC_2")
    deliver(wecom_services, clock)
    deliver(wecom_services, clock)   # the text is read after the download, and answered again
    messages = "\n".join(text for _, text in fake_api.sent_texts())
    assert "三月小结.txt" in messages and f"文字 {len(SUMMARY)} 字" in messages
    with UnitOfWork(wecom_services.session_factory) as uow:
        assert uow.session.scalars(select(InboundMessage.filename)).all() == ["三月小结.txt"]


def refused_requests(member: Member):
    """(name, query, body) of callbacks that must get a 4xx and store nothing."""
    client = member.client
    ts, nonce = member.now(), "123"
    xml = message_xml(CORP, USER, int(ts), "text", "55", Content=SUMMARY)
    query, body = client.callback(xml, ts, nonce)
    bad_sig = dict(query, msg_signature="0" * 40)
    other_corp = client.callback(xml, ts, nonce, receive_id="wwOtherCorp0000000")
    garbled_encrypt = "A" * 64
    garbled = (dict(query, msg_signature=client.sign(ts, nonce, garbled_encrypt)),
               f"<xml><Encrypt><![CDATA[{garbled_encrypt}]]></Encrypt></xml>".encode())
    laughs = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
              + "".join(f'<!ENTITY a{i} "{"&a;" * 10}">' for i in range(8))
              + "]><xml><Encrypt>&a7;</Encrypt></xml>").encode()
    inner_dtd = client.callback('<!DOCTYPE x [<!ENTITY e "e">]>' + xml, ts, nonce)
    big = client.callback(xml.replace(SUMMARY, "字" * 30000), ts, nonce)
    return [("wrong signature", bad_sig, body, 403),
            ("wrong corp id", *other_corp, 403),
            ("not XML", query, b"this is not xml", 400),
            ("garbled ciphertext", *garbled, 400),
            ("entity expansion", query, laughs, 400),
            ("DTD inside the ciphertext", *inner_dtd, 400),
            ("no parameters", {}, body, 400),
            ("empty body", query, b"", 400),
            ("over 64 KB", *big, 413)]


def test_bad_callbacks_get_a_4xx_store_nothing_and_the_server_stays_healthy(
        server, clock, wecom_services):
    member = Member(server, clock)
    for name, query, body, status in refused_requests(member):
        resp = requests.post(f"{server}/wecom/callback", params=query, data=body, timeout=10)
        assert resp.status_code == status, name
    assert count(wecom_services, InboundMessage) == 0
    assert count(wecom_services, WorkItem) == 0
    assert requests.get(f"{server}/healthz", timeout=10).json() == {"ok": True}
    assert "已记录" in member.say(SUMMARY)


def test_the_callback_is_not_registered_without_wecom_keys(services):
    app = create_app(services=services)
    assert "wecom" not in app.blueprints


def test_opening_the_app_unbound_says_how_to_bind(server, clock):
    resp = Member(server, clock, user="LiSi").post("event", Event="enter_agent", EventKey="")
    content = Member(server, clock).reply(resp)
    assert "还没有绑定单位" in content and "可用命令" in content


@pytest.mark.parametrize("wecom, key", [
    ({"token": TOKEN}, "wecom.corp_id"),
    ({"corp_id": CORP, "encoding_aes_key": AES_KEY}, "wecom.token"),
    ({"corp_id": CORP, "token": TOKEN, "encoding_aes_key": AES_KEY}, "wecom.secret"),
    ({"corp_id": CORP, "token": "no spaces", "encoding_aes_key": AES_KEY, "secret": "s",
      "agent_id": 1}, "wecom.token"),
])
def test_a_half_configured_callback_stops_start_up_naming_the_key(db_url, tmp_path, wecom, key):
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path)},
                           "wecom": wecom})
    with build_services(config) as svc, pytest.raises(ConfigError, match=key):
        create_app(services=svc)


@pytest.mark.parametrize("wecom, key", [({"secret": "s", "agent_id": 1}, "wecom.corp_id"),
                                        ({"secret": "s", "corp_id": CORP}, "wecom.agent_id")])
def test_a_secret_without_its_app_stops_start_up_naming_the_key(db_url, tmp_path, wecom, key):
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path)},
                           "wecom": wecom})
    with pytest.raises(ConfigError, match=key):
        build_services(config)


def issue_code(services, unit_id: int) -> str:
    with UnitOfWork(services.session_factory) as uow:
        code = new_binding_code(uow.session, uow.session.get(Unit, unit_id),
                                services.clock.now(), timedelta(days=7), "admin:chief").code
        uow.commit()
    return code


def platform_name(services, user: str) -> str:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalars(select(Liaison.platform_name).where(
            Liaison.channel == "wecom", Liaison.platform_user_id == user)).one()


def test_binding_by_code_records_the_name_wecom_gives_for_the_member(
        server, clock, wecom_services, fake_api):
    fake_api.members["LiSi"] = "李四"
    unit_id = add_unit(wecom_services, "团县委")
    reply = Member(server, clock, user="LiSi").say(f"绑定 {issue_code(wecom_services, unit_id)}")
    assert "团县委" in reply
    assert platform_name(wecom_services, "LiSi") == ""   # the callback carries no name
    Worker(wecom_services).run_once()
    assert platform_name(wecom_services, "LiSi") == "李四"
    [call] = fake_api.calls_to("user/get")
    assert call.query["userid"] == "LiSi"


def test_a_member_wecom_will_not_name_stays_known_by_its_account(
        server, clock, wecom_services, fake_api):
    unit_id = add_unit(wecom_services, "团县委")
    Member(server, clock, user="WangWu").say(f"绑定 {issue_code(wecom_services, unit_id)}")
    Worker(wecom_services).run_once()
    assert platform_name(wecom_services, "WangWu") == ""
    with UnitOfWork(wecom_services.session_factory) as uow:
        item = uow.session.scalars(select(WorkItem).where(
            WorkItem.kind == "wecom_user_name")).one()
        assert item.state == "failed" and "60111" in item.last_error
