"""The DingTalk API client and sender against the fake DingTalk server: the shared token,
one refresh, batches of 20, invalid and flow-controlled members, retries, the monthly
quota, the live sessionWebhook, the signed group robot and its 20 a minute."""
from __future__ import annotations

import json

import pytest

from bot.messages import Incoming
from bot.channels.dingtalk.api import (DingtalkApi, DingtalkError, MediaUnavailable, NotMedia,
                                        QuotaExceeded)
from bot.channels.dingtalk.sender import DingtalkSender, SessionBook
from bot.channels.sending import SlidingWindow
from bot.channels.sending import PlatformError
from bot.channels.clients import TokenCache
from tests.conftest import jpeg_bytes
from tests.fakes.dingtalk_api import FakeDingtalkApi
from tests.fakes.dingtalk_client import APP_KEY, APP_SECRET

GROUP_TOKEN, GROUP_SECRET = "group-robot-token", "SEC0123456789abcdef"


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
def fake_api(clock):
    with FakeDingtalkApi(APP_KEY, APP_SECRET, clock=clock) as api:
        yield api


@pytest.fixture
def make_api(services, fake_api):
    made = []

    def make(secret=APP_SECRET, sleep=None) -> DingtalkApi:
        tokens = TokenCache(services.session_factory, f"dingtalk:{APP_KEY}", services.clock)
        api = DingtalkApi(api_base=fake_api.url, oapi_base=fake_api.url, app_key=APP_KEY,
                          app_secret=secret, robot_code="", tokens=tokens,
                          sleep=sleep or FakeTime().sleep)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(make_api) -> DingtalkApi:
    return make_api()


def sender(api, services=None, **kw) -> DingtalkSender:
    sessions = SessionBook(services.session_factory, services.clock) if services else None
    return DingtalkSender(api, GROUP_TOKEN, GROUP_SECRET, sessions=sessions,
                          clock=api.tokens.clock, **kw)


def test_the_token_is_fetched_once_and_shared_by_every_process(make_api, fake_api):
    first, second = make_api(), make_api()   # two processes, one database
    sender(first).send_text(["a"], "一")
    sender(second).send_text(["a"], "二")
    assert len(fake_api.calls_to("oauth2/accessToken")) == 1
    assert [c.token for c in fake_api.calls_to("batchSend")] == ["dt-token-1"] * 2


def test_the_token_is_refreshed_five_minutes_before_it_expires(api, fake_api, clock):
    sender(api).send_text(["a"], "一")
    clock.advance(seconds=7200 - 301)
    sender(api).send_text(["a"], "二")
    assert len(fake_api.calls_to("oauth2/accessToken")) == 1
    clock.advance(seconds=2)
    sender(api).send_text(["a"], "三")
    assert len(fake_api.calls_to("oauth2/accessToken")) == 2


def test_a_refused_token_is_refreshed_once_and_the_call_goes_through(api, fake_api):
    sender(api).send_text(["a"], "一")
    fake_api.expire_tokens()
    assert sender(api).send_text(["a"], "二").sent == 1
    assert [c.token for c in fake_api.calls_to("batchSend")] == [
        "dt-token-1", "dt-token-1", "dt-token-2"]


def test_a_token_dingtalk_keeps_refusing_is_refreshed_once_then_the_call_fails(api, fake_api):
    sender(api).send_text(["a"], "一")
    fake_api.expire_tokens()
    original = fake_api._token

    def born_expired(body):
        status, kind, data, headers = original(body)
        fake_api.expire_tokens()
        return status, kind, data, headers
    fake_api._token = born_expired
    with pytest.raises(DingtalkError) as caught:
        sender(api).send_text(["a"], "二")
    assert caught.value.code == "InvalidAuthentication" and not caught.value.transient
    assert len(fake_api.calls_to("oauth2/accessToken")) == 2   # the first and one refresh
    assert len(fake_api.calls_to("batchSend")) == 3            # never a loop


def test_a_wrong_app_secret_fails_at_once_naming_the_keys(make_api, fake_api):
    with pytest.raises(DingtalkError, match="app_secret") as caught:
        sender(make_api(secret="wrong")).send_text(["a"], "一")
    assert not caught.value.transient
    assert len(fake_api.calls_to("oauth2/accessToken")) == 1 and fake_api.calls_to("batchSend") == []


def test_45_members_go_in_three_calls_of_at_most_20(api, fake_api):
    users = [f"user{i:03d}" for i in range(45)]
    result = sender(api).send_text(users + ["user000"], "请于 25 日前报送本月小结。")
    assert (result.sent, result.invalid_users, result.calls) == (45, [], 3)
    calls = fake_api.calls_to("batchSend")
    assert [len(c.body["userIds"]) for c in calls] == [20, 20, 5]
    body = calls[0].body
    assert body["robotCode"] == APP_KEY and body["msgKey"] == "sampleText"
    assert isinstance(body["msgParam"], str)
    assert json.loads(body["msgParam"]) == {"content": "请于 25 日前报送本月小结。"}


def test_members_dingtalk_refuses_are_reported(api, fake_api):
    fake_api.invalid_users = {"WangWu"}
    result = sender(api).send_text(["ZhangSan", "WangWu"], "提醒")
    assert result.sent == 1 and result.invalid_users == ["WangWu"]


def test_flow_controlled_members_are_sent_again_alone(api, fake_api):
    fake_api.flow_controlled = {"LiSi": 1}
    time = FakeTime()
    api.sleep = time.sleep
    result = sender(api).send_text(["ZhangSan", "LiSi"], "提醒")
    assert result.sent == 2 and result.calls == 2
    assert [c.body["userIds"] for c in fake_api.calls_to("batchSend")] == [
        ["ZhangSan", "LiSi"], ["LiSi"]]
    assert time.slept == [1.0]


def test_a_member_who_stays_flow_controlled_fails_the_send_for_a_later_retry(api, fake_api):
    fake_api.flow_controlled = {"LiSi": 10}
    with pytest.raises(DingtalkError) as caught:
        sender(api).send_text(["LiSi"], "提醒")
    assert caught.value.transient and len(fake_api.calls_to("batchSend")) == 3


@pytest.mark.parametrize("how", ["http500", "busy"])
def test_transient_failures_are_retried_with_backoff(make_api, fake_api, how):
    time = FakeTime()
    api = make_api(sleep=time.sleep)
    fake_api.fail_next(2, how, path="batchSend")
    result = sender(api).send_text(["a"], "一")
    assert result.sent == 1 and result.calls == 3 and time.slept == [1.0, 2.0]


def test_a_throttle_is_not_hammered_but_may_be_retried_later(api, fake_api):
    fake_api.fail_next(1, "throttle", path="batchSend")
    with pytest.raises(DingtalkError) as caught:
        sender(api).send_text(["a"], "一")
    assert caught.value.transient and len(fake_api.calls_to("batchSend")) == 1


def test_a_used_up_monthly_quota_is_final_and_says_so(api, fake_api):
    fake_api.fail_next(1, "quota", path="batchSend")
    with pytest.raises(QuotaExceeded, match="monthly API quota.*90020") as caught:
        sender(api).send_text(["a"], "一")
    assert not caught.value.transient and len(fake_api.calls_to("batchSend")) == 1


def test_markdown_goes_as_sample_markdown_with_its_title(api, fake_api):
    sender(api).send_markdown(["a"], "三月小结提醒", "还差 **1** 张图片")
    body = fake_api.calls_to("batchSend")[0].body
    assert body["msgKey"] == "sampleMarkdown"
    assert json.loads(body["msgParam"]) == {"title": "三月小结提醒",
                                            "text": "**三月小结提醒**\n还差 **1** 张图片"}


def test_a_text_over_2048_bytes_goes_as_several_messages_each_batched(api, fake_api):
    text = "\n".join(f"第 {i} 项：本项得分 0.5 分。" for i in range(150))
    result = sender(api).send_text([f"u{i}" for i in range(25)], text)
    parts = [t for users, t in fake_api.batch_texts() if len(users) == 20]
    assert result.calls == 2 * len(parts) and len(parts) > 1
    assert "\n".join(parts) == text


def test_one_member_with_a_live_one_to_one_webhook_gets_it_there(api, fake_api, services, clock):
    webhook = fake_api.session_webhook("ZhangSan", "1")
    services.conversation.store(Incoming(
        channel="dingtalk", user_id="ZhangSan", msg_id="m1", kind="text", text="状态",
        received_at=clock.now(), payload={"conversation_type": "1", "session_webhook": webhook,
                                          "session_expires_ms": int(clock.now().timestamp()
                                                                    * 1000) + 5_400_000}))
    s = sender(api, services)
    assert s.send_text(["ZhangSan"], "回执").calls == 1
    assert fake_api.session_texts()[0][:2] == ("ZhangSan", "回执")
    assert fake_api.calls_to("accessToken") == [] and fake_api.calls_to("batchSend") == []
    clock.advance(minutes=89)   # two minutes before the webhook expires: not trusted
    s.send_text(["ZhangSan"], "提醒")
    assert fake_api.batch_texts() == [(("ZhangSan",), "提醒")]


def test_a_group_conversation_s_webhook_is_never_used_for_a_private_message(
        api, fake_api, services, clock):
    webhook = fake_api.session_webhook("ZhangSan", "2")
    services.conversation.store(Incoming(
        channel="dingtalk", user_id="ZhangSan", msg_id="m1", kind="text", text="状态",
        received_at=clock.now(), payload={"conversation_type": "2", "session_webhook": webhook,
                                          "session_expires_ms": 10 ** 13 - 1}))
    sender(api, services).send_text(["ZhangSan"], "提醒：本月还差 1 张图片")
    assert fake_api.session_texts() == [] and len(fake_api.batch_texts()) == 1


def test_the_group_robot_gets_signed_text_within_20_messages_a_minute(api, fake_api, clock):
    time = FakeTime()

    def sleep(seconds):   # the fake DingTalk counts by the test's clock
        time.sleep(seconds)
        clock.advance(seconds=seconds)
    s = sender(api, group=SlidingWindow(20, 60.0, clock=time.clock, sleep=sleep))
    for i in range(21):
        s.send_group(f"本月报送情况 {i}")
    calls = fake_api.calls_to("/robot/send", ok=True)
    assert len(calls) == 21 and time.slept == [60.0]
    assert calls[0].query["access_token"] == GROUP_TOKEN and calls[0].query["sign"]
    assert calls[0].body == {"msgtype": "text", "text": {"content": "本月报送情况 0"}}


def test_dingtalk_throttles_a_group_robot_past_20_a_minute(api, fake_api):
    s = sender(api, group=SlidingWindow(100, 60.0))   # our limiter out of the way
    for i in range(20):
        s.send_group(f"本月报送情况 {i}")
    with pytest.raises(DingtalkError, match="130101") as caught:
        s.send_group("第 21 条")
    assert caught.value.transient and len(fake_api.calls_to("/robot/send")) == 21


def test_a_wrong_group_secret_is_refused_by_dingtalk_not_retried(api, fake_api):
    s = DingtalkSender(api, GROUP_TOKEN, "SECwrong", clock=api.tokens.clock)
    with pytest.raises(DingtalkError, match="310000"):
        s.send_group("本月报送情况")
    assert len(fake_api.calls_to("/robot/send")) == 1


def test_the_group_robot_needs_its_token(api):
    with pytest.raises(PlatformError, match="group_webhook_token"):
        DingtalkSender(api).send_group("x")


def test_a_download_returns_the_bytes_and_the_name(api, fake_api):
    fake_api.add_file("DL_1", jpeg_bytes(), filename="活动.jpg")
    media = api.download("DL_1")
    assert media.data == jpeg_bytes() and media.content_type == "image/jpeg"
    assert media.filename == "活动.jpg"
    [call] = fake_api.calls_to("messageFiles/download")
    assert call.body == {"downloadCode": "DL_1", "robotCode": APP_KEY}
    assert call.token == "dt-token-1"


def test_a_download_code_dingtalk_refuses_is_unavailable_for_good(api, fake_api):
    with pytest.raises(MediaUnavailable) as caught:
        api.download("NEVER")
    assert not caught.value.transient


def test_a_session_webhook_elsewhere_than_oapi_base_is_never_posted(api, fake_api):
    with pytest.raises(DingtalkError, match="oapi_base"):
        api.post_session("https://evil.example/robot/sendBySession?session=1",
                         {"msgtype": "text", "text": {"content": "x"}})
    assert fake_api.calls == []


@pytest.mark.parametrize("name_as", ["rfc5987", "utf8"])
def test_a_download_s_file_name_is_decoded_however_it_is_sent(api, fake_api, name_as):
    fake_api.add_file("DL_DOC", b"PK\x03\x04 a docx", "application/octet-stream",
                      filename="小结.docx", name_as=name_as)
    assert api.download("DL_DOC").filename == "小结.docx"


@pytest.mark.parametrize("body, content_type", [
    (b'{"code": "Forbidden", "message": "denied"}', "application/json"),
    (b"<html><body><h1>403 Forbidden</h1></body></html>", "text/html"),
    (b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>', "image/jpeg"),
    (b'  {"code": "Forbidden"}', "application/octet-stream"),
])
def test_a_json_or_html_download_is_refused_as_a_download_error(api, fake_api, body,
                                                                 content_type):
    fake_api.add_file("DL_1", body, content_type)
    with pytest.raises(NotMedia) as caught:
        api.download("DL_1")
    assert caught.value.transient


def test_filtered_and_invalid_members_are_reported_as_not_delivered_with_the_reason(
        api, fake_api):
    fake_api.invalid_users = {"WangWu"}
    fake_api.filtered_users = {"ZhaoLiu"}
    result = sender(api).send_text(["ZhangSan", "WangWu", "ZhaoLiu"], "提醒")
    assert result.sent == 1 and result.invalid_users == ["WangWu", "ZhaoLiu"]
    assert "invalidStaffIdList" in result.reasons["WangWu"]
    assert "filteredStaffIdList" in result.reasons["ZhaoLiu"]


def test_a_member_still_flow_controlled_after_the_retries_is_not_counted_as_delivered(
        api, fake_api):
    fake_api.flow_controlled = {"LiSi": 10}
    result = sender(api).send_text(["ZhangSan", "LiSi"], "提醒")
    assert result.sent == 1 and result.invalid_users == ["LiSi"]
    assert "flowControlledStaffIdList" in result.reasons["LiSi"]
