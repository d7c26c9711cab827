"""Odd and hostile inputs over real HTTP (issue 12, parts 4, 5, 8 and 9): a signed platform
message with odd characters or an implausible send time is stored, sanitised, with the
receipt time counting; a malformed request gets a 4xx in Chinese and nothing is stored."""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.config import build_config
from bot.bootstrap import build_services
from storage.db import UnitOfWork
from storage.models import InboundMessage, SummaryItem, WorkItem
from tests.admin_support import ADMIN, TOKEN as CSRF, make_users
from tests.conftest import SUMMARY, add_unit, shanghai
from tests.fakes.dingtalk_api import FakeDingtalkApi
from tests.fakes.dingtalk_client import APP_KEY, APP_SECRET, DingtalkMember
from tests.fakes.wecom_api import FakeWecomApi
from tests.fakes.wecom_client import AES_KEY, CORP_ID, TOKEN, Member, message_xml

STAFF, WECOM_USER, CONSOLE_USER = "manager0001", "ZhangSan", "县委党校"
DEEP = b"[" * 20000 + b"]" * 20000


@contextmanager
def running(services):
    """Our app on a real HTTP server in a thread; its base URL."""
    httpd = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
    # A DingTalk reply goes out after the response, on the request's thread: wait for it.
    httpd.daemon_threads, httpd.block_on_close = False, True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


def count(services, model, *where) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def stored(services) -> list[tuple[InboundMessage, SummaryItem | None]]:
    with UnitOfWork(services.session_factory) as uow:
        rows = uow.session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        items = {i.inbound_id: i for i in uow.session.scalars(select(SummaryItem))}
        return [(r, items.get(r.id)) for r in rows]


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- DingTalk (HTTP mode) -------------------------------------------------------------

@pytest.fixture
def dingtalk_api(clock):
    with FakeDingtalkApi(APP_KEY, APP_SECRET, clock=clock) as api:
        yield api


@pytest.fixture
def dingtalk(db_url, tmp_path, clock, dingtalk_api):
    """(services, member) of a bound DingTalk liaison talking to a running server."""
    config = build_config({
        "database": {"url": db_url}, "files": {"dir": str(tmp_path / "files")},
        "dingtalk": {"app_key": APP_KEY, "app_secret": APP_SECRET, "mode": "http",
                     "api_base": dingtalk_api.url, "oapi_base": dingtalk_api.url}})
    svc = build_services(config, clock=clock)
    add_unit(svc, "县委党校", liaisons=[f"dingtalk:{STAFF}"])
    with running(svc) as url:
        yield svc, DingtalkMember(url, clock, dingtalk_api, staff_id=STAFF)
    svc.close()


def ascii_json(body: dict) -> bytes:
    # ensure_ascii: a lone surrogate travels as the escape "\ud800", as any JSON encoder sends it.
    return json.dumps(body).encode("ascii")


@pytest.mark.parametrize("field, value, expected", [
    ("text", "本月活动\ud800小结", ("text", "本月活动\ufffd小结")),
    ("text", "本月活动\x00小结", ("text", "本月活动小结")),
    ("text", "\udc00" * 3, ("text", "\ufffd" * 3)),
    ("senderStaffId", "manager\ud800", ("platform_user_id", "manager\\ud800")),
    ("senderStaffId", "manager\x00", ("platform_user_id", "manager\\x00")),
    ("msgId", "msg\ud800==", ("platform_msg_id", "msg\\ud800==")),
    ("msgId", "msg\x00\n==", ("platform_msg_id", "msg\\x00\\x0a==")),
])
def test_a_signed_dingtalk_message_with_odd_characters_is_stored_sanitised(
        dingtalk, field, value, expected):
    services, member = dingtalk
    body = member.text("x")
    if field == "text":
        body["text"] = {"content": value}
    else:
        body[field] = value
    resp = member.post(ascii_json(body))
    assert resp.status_code == 200
    [(row, _)] = stored(services)
    column, stored_value = expected
    assert getattr(row, column) == stored_value and row.state == "handled"
    assert member.replies(0)   # and answered


def test_a_dingtalk_reply_to_odd_ids_goes_out(dingtalk, dingtalk_api):
    services, member = dingtalk
    body = member.text(SUMMARY, msg_id="msg\ud800\ud800==")
    assert member.post(ascii_json(body)).status_code == 200
    [reply] = member.replies(0)
    assert "已记录" in reply and count(services, SummaryItem) == 1


@pytest.mark.parametrize("name, body, status, words", [
    ("nested 20,000 deep", DEEP, 400, "消息格式不对"),
    ("an object nested 10,000 deep", b'{"a":' * 10000 + b"1" + b"}" * 10000, 400, "消息格式不对"),
    ("not UTF-8", b'{"msgId": "\xff"}', 400, "消息格式不对"),
    ("over 64 KB", b'{"x": "' + b"a" * 70000 + b'"}', 413, "64 KB"),
])
def test_a_signed_but_malformed_dingtalk_body_gets_a_chinese_4xx_and_nothing_is_stored(
        dingtalk, name, body, status, words):
    services, member = dingtalk
    resp = member.post(body)
    assert resp.status_code == status, name
    assert words in resp.text and chinese(resp.text)
    assert count(services, InboundMessage) == 0 and count(services, WorkItem) == 0
    assert "25MB" not in resp.text


def test_an_unsigned_dingtalk_callback_is_refused_in_chinese(dingtalk):
    services, member = dingtalk
    resp = member.post(member.text(SUMMARY), signature="bm90IHRoZSBzaWdu")
    assert resp.status_code == 403 and "签名" in resp.text
    assert count(services, InboundMessage) == 0


@pytest.mark.parametrize("create_at, label", [
    (10 ** 12, "2001-09"), (0, "1970-01"), (4102444800000, "2100-01"),
    (10 ** 18, "beyond any date"),
])
def test_an_implausible_dingtalk_create_at_gives_way_to_the_receipt_time(
        dingtalk, clock, create_at, label):
    services, member = dingtalk
    body = member.text(SUMMARY)
    body["createAt"] = create_at
    assert member.post(body).status_code == 200, label
    [(row, item)] = stored(services)
    assert item.sent_at == clock.now() == row.received_at and item.month == "2026-03"
    expected = (None if create_at >= 10 ** 18
                else datetime.fromtimestamp(create_at / 1000, timezone.utc))
    assert row.sent_at == expected   # what DingTalk said is kept


def test_a_dingtalk_create_at_a_month_back_does_not_file_into_the_previous_month(
        dingtalk, clock):
    services, member = dingtalk
    body = member.text(SUMMARY)
    body["createAt"] -= 30 * 24 * 3600 * 1000
    member.post(body)
    [(_, item)] = stored(services)
    assert item.month == "2026-03" and item.sent_at == clock.now()


def test_a_dingtalk_create_at_a_minute_back_is_the_time_that_counts(dingtalk, clock):
    services, member = dingtalk
    body = member.text(SUMMARY)
    body["createAt"] -= 60_000
    member.post(body)
    [(_, item)] = stored(services)
    assert item.sent_at == clock.now() - timedelta(minutes=1)


def test_a_body_replayed_after_the_deadline_with_an_old_create_at_counts_as_late(
        dingtalk, clock):
    # The sign covers only the timestamp header: the body's createAt could say anything.
    services, member = dingtalk
    clock.set(shanghai(2026, 3, 25, 0, 30, 0))   # March's deadline was 30 minutes ago
    body = member.text(SUMMARY)
    body["createAt"] = int(shanghai(2026, 3, 24, 23, 59, 0).timestamp() * 1000)
    member.post(body)
    [(_, item)] = stored(services)
    assert item.sent_at == clock.now()
    assert "逾期" in member.replies(0)[0]


# --- WeCom ----------------------------------------------------------------------------

@pytest.fixture
def wecom(db_url, tmp_path, clock):
    """(services, member, url) of a bound WeCom liaison talking to a running server."""
    with FakeWecomApi(CORP_ID, "s3cret") as api:
        config = build_config({
            "database": {"url": db_url}, "files": {"dir": str(tmp_path / "files")},
            "wecom": {"corp_id": CORP_ID, "agent_id": 1000002, "secret": "s3cret",
                      "token": TOKEN, "encoding_aes_key": AES_KEY, "api_base": api.url}})
        svc = build_services(config, clock=clock)
        unit_id = add_unit(svc, "县委党校", liaisons=[f"wecom:{WECOM_USER}"])
        with running(svc) as url:
            yield svc, Member(url, clock), url, unit_id
        svc.close()


def post_create_time(member: Member, create_time: int, text: str = SUMMARY):
    xml = message_xml(CORP_ID, WECOM_USER, create_time, "text", "7001", Content=text)
    query, body = member.client.callback(xml, member.now(), "4242")
    return requests.post(f"{member.url}/wecom/callback", params=query, data=body, timeout=10)


@pytest.mark.parametrize("create_time", [0, 4102444800, 253402300799, 10 ** 20])
def test_an_implausible_wecom_create_time_gives_way_to_the_receipt_time(
        wecom, clock, create_time):
    services, member, _, _ = wecom
    resp = post_create_time(member, create_time)
    assert resp.status_code == 200
    receipt = member.reply(resp)
    assert "已记录" in receipt and "2026年3月" in receipt and "2026-03-20 10:00:00" in receipt
    assert "已逾期" not in receipt and "处理时出了问题" not in receipt
    [(row, item)] = stored(services)
    assert item.sent_at == clock.now() and item.month == "2026-03"
    expected = None if create_time == 10 ** 20 else datetime.fromtimestamp(create_time,
                                                                           timezone.utc)
    assert row.sent_at == expected


def test_a_wecom_create_time_a_few_seconds_back_counts(wecom, clock):
    services, member, _, _ = wecom
    post_create_time(member, int(clock.now().timestamp()) - 15)   # WeCom's third retry
    [(_, item)] = stored(services)
    assert item.sent_at == clock.now() - timedelta(seconds=15)


def test_a_signed_wecom_text_with_characters_xml_forbids_is_stored_without_them(wecom):
    services, member, _, _ = wecom
    resp = post_create_time(member, int(member.now()), "第一段\x0b第二段\x07" + SUMMARY)
    assert resp.status_code == 200 and "已记录" in member.reply(resp)
    [(row, _)] = stored(services)
    assert row.text == "第一段第二段" + SUMMARY


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8"])
def test_a_wecom_envelope_with_a_dtd_is_refused_in_any_encoding(wecom, encoding):
    services, member, url, _ = wecom
    xml = message_xml(CORP_ID, WECOM_USER, int(member.now()), "text", "7002", Content=SUMMARY)
    query, body = member.client.callback(xml, member.now(), "4243")
    declared = "utf-8" if encoding == "utf-8" else "utf-16"
    envelope = body.decode("utf-8").replace(
        "<xml>", '<!DOCTYPE xml [<!ENTITY e "&#x41;">]><xml><Extra>&e;</Extra>', 1)
    data = f'<?xml version="1.0" encoding="{declared}"?>{envelope}'.encode(encoding)
    resp = requests.post(f"{url}/wecom/callback", params=query, data=data, timeout=10)
    assert resp.status_code == 400 and "消息格式不对" in resp.text
    assert count(services, InboundMessage) == 0


def test_a_wecom_body_over_64_kb_gets_a_413_that_names_its_own_limit(wecom):
    services, member, url, _ = wecom
    xml = message_xml(CORP_ID, WECOM_USER, int(member.now()), "text", "7003",
                      Content="字" * 30000)
    query, body = member.client.callback(xml, member.now(), "4244")
    resp = requests.post(f"{url}/wecom/callback", params=query, data=body, timeout=10)
    assert resp.status_code == 413 and "64 KB" in resp.text and "25MB" not in resp.text
    assert count(services, InboundMessage) == 0


def test_the_unit_page_says_when_the_receipt_time_was_used(wecom, clock):
    services, member, url, unit_id = wecom
    post_create_time(member, 0)
    xml = message_xml(CORP_ID, WECOM_USER, int(member.now()), "text", "7004", Content="第二段")
    query, body = member.client.callback(xml, member.now(), "4245")
    requests.post(f"{url}/wecom/callback", params=query, data=body, timeout=10)
    make_users(services)
    with requests.Session() as browser:
        sign_in(browser, url, ADMIN)
        page = browser.get(f"{url}/admin/units/{unit_id}", timeout=10).text
    assert page.count("按收到时间计") == 1
    assert "平台给出的发送时间 1970-01-01 08:00:00 与收到时间相差过大" in page


# --- The console ----------------------------------------------------------------------

@pytest.fixture
def console(services):
    add_unit(services, "县委党校", liaisons=[f"console:{CONSOLE_USER}"])
    with running(services) as url:
        yield url


def post_json(url: str, data: bytes) -> requests.Response:
    return requests.post(f"{url}/console/api/messages", data=data, timeout=10,
                         headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("text, kept", [
    ("活动\ud800小结", "活动\ufffd小结"), ("活动\x00小结", "活动小结"),
    ("\ud83d\ude00", "😀"),
])
def test_console_text_with_odd_characters_is_stored_sanitised(console, services, text, kept):
    resp = post_json(console, ascii_json({"user": CONSOLE_USER, "text": text}))
    assert resp.status_code == 200 and resp.json()["replies"]
    [(row, _)] = stored(services)
    assert row.text == kept


def test_a_console_user_with_odd_characters_is_stored_and_finds_its_history(console, services):
    user = "联络员\ud800\x00"
    resp = post_json(console, ascii_json({"user": user, "text": "状态", "id": "c-\ud800"}))
    assert resp.status_code == 200 and resp.json()["id"] == "c-\\ud800"
    [(row, _)] = stored(services)
    assert row.platform_user_id == "联络员\\ud800\\x00"
    history = requests.get(f"{console}/console/api/messages", params={"user": "联络员\x00"},
                           timeout=10)
    assert history.status_code == 200


@pytest.mark.parametrize("name, data, words", [
    ("nested 20,000 deep", DEEP, "嵌套"),
    ("an object nested 20,000 deep", b'{"a":' * 20000 + b"1" + b"}" * 20000, "嵌套"),
    ("a list", b"[1, 2]", "JSON 对象"),
    ("not JSON", b"{user: 1", "JSON 对象"),
    ("not UTF-8", b'{"user": "\xff"}', "JSON 对象"),
])
def test_malformed_console_json_gets_a_chinese_400_and_nothing_is_stored(
        console, services, name, data, words):
    resp = post_json(console, data)
    assert resp.status_code == 400, name
    assert words in resp.json()["error"]
    assert count(services, InboundMessage) == 0


# --- The office console ---------------------------------------------------------------

def sign_in(browser: requests.Session, url: str, who, next_: str | None = None):
    page = browser.get(f"{url}/admin/login", timeout=10).text
    data = {"name": who[0], "password": who[1], "csrf_token": CSRF.search(page).group(1)}
    if next_ is not None:
        data["next"] = next_
    return browser.post(f"{url}/admin/login", data=data, allow_redirects=False, timeout=10)


@pytest.fixture
def office(services):
    make_users(services)
    with running(services) as url, requests.Session() as browser:
        sign_in(browser, url, ADMIN)
        yield url, browser


@pytest.mark.parametrize("path, status", [
    ("/admin/files/9223372036854775808", 404), ("/admin/files/9223372036854775808/thumb", 404),
    ("/admin/files/99999999999999999999999999", 404),
    ("/admin/units/9223372036854775808", 404), ("/admin/units/18446744073709551616/inputs", 404),
    ("/admin/evidence/9223372036854775808.zip", 404),
    ("/admin/audit?page=99999999999999999999", 404), ("/admin/audit?page=2", 404),
    ("/admin/audit?actor=a%00b", 400), ("/admin/audit?entity=%00", 400),
    ("/admin/board?month=%00", 400),
])
def test_the_office_console_answers_out_of_range_ids_and_nuls_with_its_chinese_page(
        office, path, status):
    url, browser = office
    resp = browser.get(url + path, timeout=10, allow_redirects=False)
    assert resp.status_code == status, path
    assert resp.headers["Content-Type"].startswith("text/html") and "返回报送看板" in resp.text
    assert chinese(resp.text)


def test_the_audit_log_s_first_page_still_shows(office):
    url, browser = office
    assert browser.get(f"{url}/admin/audit?page=1", timeout=10).status_code == 200


@pytest.mark.parametrize("target", [
    "/admin/board\r\nSet-Cookie: x=1", "/admin/board\nX: y", "/admin\\\\evil.example",
    "//evil.example/admin", "https://evil.example/admin", "/admin/\tboard", "/console",
])
def test_next_after_sign_in_is_only_ever_a_local_admin_path(services, target):
    make_users(services)
    with running(services) as url:
        with requests.Session() as browser:
            resp = sign_in(browser, url, ADMIN, next_=target)
            assert resp.status_code == 302
            assert resp.headers["Location"] in ("/admin/board", f"{url}/admin/board")
            assert "x" not in browser.cookies
        with requests.Session() as browser:   # signed in already, then the login page
            sign_in(browser, url, ADMIN)
            resp = browser.get(f"{url}/admin/login", params={"next": target},
                               allow_redirects=False, timeout=10)
            assert resp.status_code == 302
            assert resp.headers["Location"] in ("/admin/board", f"{url}/admin/board")


def test_a_local_next_is_followed_after_sign_in(services):
    make_users(services)
    with running(services) as url, requests.Session() as browser:
        resp = sign_in(browser, url, ADMIN, next_="/admin/audit?page=1")
        assert resp.headers["Location"].endswith("/admin/audit?page=1")


def test_an_office_upload_over_the_limit_gets_the_chinese_page_with_its_limit(
        db_url, tmp_path, clock):
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
                           "server": {"max_upload_mb": 1}})
    svc = build_services(config, clock=clock)
    make_users(svc)
    try:
        with running(svc) as url, requests.Session() as browser:
            sign_in(browser, url, ADMIN)
            resp = browser.post(f"{url}/admin/facts/import", timeout=30,
                                files={"file": ("facts.csv", b"x" * (1024 * 1024 + 1))})
    finally:
        svc.close()
    assert resp.status_code == 413 and "1MB" in resp.text and "文件太大" in resp.text
