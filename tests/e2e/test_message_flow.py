"""How many of the project's files a message passes through, measured by tracing the
calls made while it is handled: the way a newcomer follows it (README "how a message
flows"). The bounds are today's figures: a change that sends a message through more
files fails here and says which."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.app import create_app
from bot.bootstrap import build_services
from bot.worker import Worker
from tests.conftest import SUMMARY, add_unit, jpeg_bytes
from tests.e2e.test_dingtalk import dingtalk_config
from tests.e2e.test_wecom import CORP, SECRET, USER, wecom_config
from tests.fakes.dingtalk_api import FakeDingtalkApi
from tests.fakes.dingtalk_client import APP_KEY, APP_SECRET, DingtalkMember
from tests.fakes.wecom_api import FakeWecomApi
from tests.fakes.wecom_client import Member, message_xml

ROOT = Path(__file__).resolve().parents[2]
WECOM_TEXT_FILES = 20      # bot/, storage/ and scoring/ files whose code runs
DINGTALK_PHOTO_FILES = 31
PACKAGES = ("bot", "storage", "scoring")


class Trace:
    """The project files whose functions run while the trace is on (this thread only)."""

    def __init__(self):
        self.files: set[str] = set()

    def _profile(self, frame, event, _arg):
        if event == "call":
            path = Path(frame.f_code.co_filename)
            if path.is_relative_to(ROOT) and path.relative_to(ROOT).parts[0] in PACKAGES:
                self.files.add(str(path.relative_to(ROOT)))

    def __enter__(self):
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc):
        sys.setprofile(None)


def wecom_text(client, member: Member, text: str) -> str:
    """POST a signed, encrypted WeCom text through the app; the decrypted receipt."""
    member.sent += 1
    query, body = member.client.callback(
        message_xml_for(member, text), member.now(), str(1000 + member.sent))
    resp = client.post("/wecom/callback", query_string=query, data=body)
    assert resp.status_code == 200, resp.text
    return member.client.read_reply(resp.text)["Content"]


def message_xml_for(member: Member, text: str) -> str:
    return message_xml(member.client.corp_id, member.user, int(member.now()), "text",
                       str(4_000_000_000 + member.sent), Content=text)


def test_a_wecom_text_reaches_its_encrypted_receipt_through_at_most_the_files_it_did(
        db_url, tmp_path, clock):
    with FakeWecomApi(CORP, SECRET) as api, build_services(
            wecom_config(db_url, tmp_path, api.url), clock=clock) as services:
        add_unit(services, "县委党校", liaisons=[f"wecom:{USER}"])
        client, member = create_app(services=services).test_client(), Member("", clock)
        wecom_text(client, member, "第一段文字，先让每条路都走过一次。")
        with Trace() as trace:
            receipt = wecom_text(client, member, SUMMARY)
    assert "已记录：文字" in receipt and "县委党校" in receipt
    print("WeCom text:", len(trace.files), sorted(trace.files))
    assert len(trace.files) <= WECOM_TEXT_FILES, sorted(trace.files)


def test_a_dingtalk_photo_reaches_its_receipt_through_at_most_the_files_it_did(
        db_url, tmp_path, clock):
    with FakeDingtalkApi(APP_KEY, APP_SECRET, clock=clock) as api, build_services(
            dingtalk_config(db_url, tmp_path, api.url), clock=clock) as services:
        add_unit(services, "县委党校", liaisons=["dingtalk:manager0001"])
        client = create_app(services=services).test_client()
        member = DingtalkMember("", clock, api, staff_id="manager0001")
        worker = Worker(services)

        def send_photo(n: int) -> None:
            api.add_file(f"DL_{n}", jpeg_bytes(seed=n))
            body = json.dumps(member.picture(f"DL_{n}")).encode()
            resp = client.post("/dingtalk/callback", data=body, headers=member.headers())
            assert resp.status_code == 200
            worker.run_once()              # the download, the receipt into the outbox
            clock.advance(seconds=5)
            worker.run_once()              # the outbox flush: the receipt is sent

        send_photo(1)
        with Trace() as trace:
            send_photo(2)
    assert any("已记录：图片 1 张" in text for text in api.texts_for("manager0001"))
    print("DingTalk photo:", len(trace.files), sorted(trace.files))
    assert len(trace.files) <= DINGTALK_PHOTO_FILES, sorted(trace.files)
