"""The WeCom API client and sender against the fake WeCom API server: the shared token,
bounded refreshes, batching, invalid users, retries, rate limits, the group robot."""
from __future__ import annotations

import pytest

from bot.channels.sending import SlidingWindow
from bot.channels.sending import PlatformError
from bot.channels.clients import TokenCache
from bot.channels.wecom.api import MediaExpired, NotMedia, WecomApi, WecomError
from bot.channels.wecom.sender import WecomSender
from tests.conftest import SUMMARY, jpeg_bytes
from tests.fakes.wecom_api import FakeWecomApi
from tests.fakes.wecom_client import AGENT_ID, CORP_ID

CORP, SECRET, AGENT = CORP_ID, "s3cret", AGENT_ID


class FakeTime:
    """Monotonic time that only moves when someone sleeps."""

    def __init__(self):
        self.now, self.slept = 5000.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_api():
    with FakeWecomApi(CORP, SECRET) as api:
        yield api


@pytest.fixture
def make_api(services, fake_api):
    made = []

    def make(secret=SECRET, sleep=None) -> WecomApi:
        tokens = TokenCache(services.session_factory, f"wecom:{CORP}:{AGENT}", services.clock)
        api = WecomApi(base_url=fake_api.url, corp_id=CORP, secret=secret, tokens=tokens,
                       backoff=1.0, sleep=sleep or FakeTime().sleep)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(make_api) -> WecomApi:
    return make_api()


def sender(api, **kw) -> WecomSender:
    return WecomSender(api, AGENT, webhook_key="robot-key", **kw)


def test_the_token_is_fetched_once_and_shared_by_every_process(make_api, fake_api):
    first, second = make_api(), make_api()   # two processes, one database
    sender(first).send_text(["a"], "一")
    sender(second).send_text(["a"], "二")
    sender(first).send_text(["a"], "三")
    assert len(fake_api.calls_to("gettoken")) == 1
    assert len(fake_api.calls_to("message/send")) == 3


def test_the_token_is_refreshed_five_minutes_before_it_expires(api, fake_api, clock):
    sender(api).send_text(["a"], "一")
    clock.advance(seconds=7200 - 301)
    sender(api).send_text(["a"], "二")
    assert len(fake_api.calls_to("gettoken")) == 1
    clock.advance(seconds=2)
    sender(api).send_text(["a"], "三")
    assert len(fake_api.calls_to("gettoken")) == 2


def test_a_42001_refreshes_the_token_once_and_the_call_goes_through(api, fake_api):
    sender(api).send_text(["a"], "一")
    fake_api.expire_tokens()
    result = sender(api).send_text(["a"], "二")
    assert result.sent == 1
    assert len(fake_api.calls_to("gettoken")) == 2
    tokens = [c.query["access_token"] for c in fake_api.calls_to("message/send")]
    assert tokens == ["token-1", "token-1", "token-2"]


def test_a_token_wecom_keeps_refusing_is_refreshed_once_and_then_the_call_fails(api, fake_api):
    fake_api.tokens_born_expired = True
    with pytest.raises(WecomError) as caught:
        sender(api).send_text(["a"], "一")
    assert caught.value.code == 42001 and not caught.value.transient
    assert len(fake_api.calls_to("gettoken")) == 2       # the first fetch and one refresh
    assert len(fake_api.calls_to("message/send")) == 2   # never a loop


def test_a_wrong_secret_fails_at_once(make_api, fake_api):
    with pytest.raises(WecomError) as caught:
        sender(make_api(secret="wrong")).send_text(["a"], "一")
    assert caught.value.code == 40001
    assert len(fake_api.calls_to("gettoken")) == 1 and fake_api.calls_to("message/send") == []


def test_2500_members_go_in_three_calls_of_at_most_1000(api, fake_api):
    users = [f"user{i:04d}" for i in range(2500)]
    result = sender(api).send_text(users, "请于 25 日前报送本月小结。")
    assert (result.sent, result.invalid_users, result.calls) == (2500, [], 3)
    sizes = [len(c.body["touser"].split("|")) for c in fake_api.calls_to("message/send")]
    assert sizes == [1000, 1000, 500]
    body = fake_api.calls_to("message/send")[0].body
    assert body["agentid"] == AGENT and body["msgtype"] == "text"


def test_members_wecom_refuses_are_recorded_as_we_know_them(api, fake_api):
    fake_api.invalid_users = {"WangWu", "zhaoliu"}
    result = sender(api).send_text(["ZhangSan", "WangWu", "zhaoliu"], "提醒")
    assert result.sent == 1 and result.invalid_users == ["WangWu", "zhaoliu"]


def test_a_batch_of_only_refused_members_is_a_result_not_a_crash(api, fake_api):
    fake_api.invalid_users = {"WangWu"}
    result = sender(api).send_text(["WangWu"], "提醒")
    assert (result.sent, result.invalid_users, result.calls) == (0, ["WangWu"], 1)


@pytest.mark.parametrize("how", ["busy", "limit", "concurrency", "http500"])
def test_transient_failures_are_retried_with_backoff(make_api, fake_api, how):
    time = FakeTime()
    api = make_api(sleep=time.sleep)
    fake_api.fail_next(2, how, path="message/send")
    result = sender(api).send_text(["a"], "一")
    assert result.sent == 1 and result.calls == 3
    assert time.slept == [1.0, 2.0]


def test_a_send_gives_up_after_its_retries(api, fake_api):
    fake_api.fail_next(5, "busy", path="message/send")
    with pytest.raises(WecomError) as caught:
        sender(api).send_text(["a"], "一")
    assert caught.value.transient and len(fake_api.calls_to("message/send")) == 3


def test_markdown_goes_as_markdown_with_its_title(api, fake_api):
    sender(api).send_markdown(["a"], "三月小结提醒", "还差 **1** 张图片")
    body = fake_api.calls_to("message/send")[0].body
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["content"] == "**三月小结提醒**\n还差 **1** 张图片"


def test_a_text_over_2048_bytes_goes_as_several_messages(api, fake_api):
    text = "\n".join(f"第 {i} 项：本项得分 0.5 分。" for i in range(150))
    result = sender(api).send_text(["a"], text)
    contents = [c for _, c in fake_api.sent_texts()]
    assert result.calls == len(contents) > 1
    assert "\n".join(contents) == text


def test_the_31st_message_to_one_member_in_a_minute_waits_for_the_window(api, fake_api):
    time = FakeTime()
    s = sender(api, members=SlidingWindow(30, 60.0, clock=time.clock, sleep=time.sleep))
    for i in range(31):
        s.send_text(["ZhangSan"], f"第 {i} 条")
    assert time.slept == [60.0]
    assert len(fake_api.calls_to("message/send")) == 31


def test_the_group_robot_gets_text_within_20_messages_a_minute(api, fake_api):
    time = FakeTime()
    s = sender(api, group=SlidingWindow(20, 60.0, clock=time.clock, sleep=time.sleep))
    for i in range(21):
        s.send_group(f"本周报送情况 {i}")
    calls = fake_api.calls_to("webhook/send")
    assert len(calls) == 21 and time.slept == [60.0]
    assert calls[0].query == {"key": "robot-key"}
    assert calls[0].body == {"msgtype": "text", "text": {"content": "本周报送情况 0"}}


def test_the_group_robot_needs_its_key(api):
    with pytest.raises(PlatformError, match="webhook_key"):
        WecomSender(api, AGENT).send_group("x")


def test_a_media_download_returns_the_bytes_and_the_name(api, fake_api):
    fake_api.add_media("M1", jpeg_bytes())
    media = api.get_media("M1")
    assert media.data == jpeg_bytes() and media.content_type == "image/jpeg"
    assert media.filename == "M1.jpg"


def test_a_json_error_with_http_200_is_an_error_not_a_file(api, fake_api):
    with pytest.raises(MediaExpired):
        api.get_media("NEVER_EXISTED")


def test_a_media_download_refreshes_an_expired_token_once(api, fake_api):
    fake_api.add_media("M1", jpeg_bytes())
    api.get_media("M1")
    fake_api.expire_tokens()
    assert api.get_media("M1").data == jpeg_bytes()
    assert len(fake_api.calls_to("gettoken")) == 2


@pytest.mark.parametrize("disposition", [
    "attachment; filename*=UTF-8''%E5%B0%8F%E7%BB%93.docx",
    'attachment; filename="小结.docx"',                          # raw UTF-8 bytes on the wire
    "attachment; filename=\"xiaojie.docx\"; filename*=UTF-8''%E5%B0%8F%E7%BB%93.docx",
    "attachment; filename*=UTF-8''%E5%B0%8F%E7%BB%93.docx; filename=\"xiaojie.docx\"",
])
def test_a_file_name_in_content_disposition_is_decoded_not_mojibake(api, fake_api, disposition):
    fake_api.add_media("DOC_1", b"PK\x03\x04 a docx", "application/octet-stream", disposition)
    assert api.get_media("DOC_1").filename == "小结.docx"


@pytest.mark.parametrize("body, content_type", [
    (b'{"errcode": 0, "errmsg": "ok"}', "application/json"),
    (b"<html><head><title>502</title></head><body>Bad Gateway</body></html>", "text/html"),
    (b'{"errcode": 0, "errmsg": "ok"}', "image/jpeg"),               # by sniffing the start
    (b"\n<!DOCTYPE html><html><body>busy</body></html>", "image/jpeg"),
    (b'{"message": "rate limited"}', "application/octet-stream"),
])
def test_a_json_or_html_body_is_refused_as_a_download_error(api, fake_api, body, content_type):
    fake_api.add_media("M1", body, content_type)
    with pytest.raises(NotMedia) as caught:
        api.get_media("M1")
    assert caught.value.transient


def test_an_errcode_json_under_an_image_type_is_still_the_error_it_says(api, fake_api):
    fake_api.add_media("M1", b'{"errcode": 40007, "errmsg": "invalid media_id"}', "image/jpeg")
    with pytest.raises(MediaExpired):
        api.get_media("M1")


def test_a_text_file_is_still_a_file(api, fake_api):
    fake_api.add_media("TXT", SUMMARY.encode("utf-8"), "text/plain")
    assert api.get_media("TXT").data == SUMMARY.encode("utf-8")


def test_unlicensed_members_are_reported_as_not_delivered_with_the_reason(api, fake_api):
    fake_api.invalid_users = {"WangWu"}
    fake_api.unlicensed_users = {"ZhaoLiu"}
    result = sender(api).send_text(["ZhangSan", "WangWu", "ZhaoLiu"], "提醒")
    assert result.sent == 1 and result.invalid_users == ["WangWu", "ZhaoLiu"]
    assert "invaliduser" in result.reasons["WangWu"]
    assert "unlicenseduser" in result.reasons["ZhaoLiu"] and "许可" in result.reasons["ZhaoLiu"]
