"""The conversation is the same on every channel: one set of dialogues, played through the
console's HTTP API, WeCom (encrypted callbacks, fake WeCom API, the worker for photos) and
DingTalk (signed callbacks, fake DingTalk API, the worker for photos), must get the very
replies the conversation itself gives, modulo the time line of a receipt.

The expected replies come from a reference run of the same dialogue straight through
`Conversation` on a database of its own; every driver moves the clock exactly as the
reference does, so that times and time-left figures agree too.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Protocol

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.bootstrap import build_services
from bot.channels.outbox import FLUSH_DELAY
from bot.clock import FixedClock
from bot.config import build_config
from bot.messages import Incoming
from bot.office.units import new_binding_code
from bot.worker import Worker
from storage.db import UnitOfWork, make_engine, migrate
from storage.models import Base, Unit, WorkItem
from tests.conftest import SUMMARY, add_unit, jpeg_bytes
from tests.fakes import dingtalk_client, wecom_client
from tests.fakes.dingtalk_api import FakeDingtalkApi
from tests.fakes.dingtalk_client import DingtalkMember
from tests.fakes.wecom_api import FakeWecomApi
from tests.fakes.wecom_client import Member

UNIT = "县委党校"
CHANNELS = ["console", "wecom", "dingtalk"]

# A dialogue is a list of steps: ("bind",), ("say", text) or ("photo", seed).
DIALOGUES = {
    "a liaison binds, submits, asks and withdraws": [
        ("bind",), ("say", SUMMARY), ("photo", 1), ("say", "状态"), ("say", "撤回"),
        ("say", "状态"), ("say", "查分"), ("say", "帮助"), ("say", "查一下"),
    ],
    "someone not yet bound": [
        ("say", SUMMARY), ("photo", 2), ("say", "状态"), ("say", "帮助"),
        ("say", "绑定 NOSUCH99"),
    ],
    "a photo sent twice counts once": [
        ("bind",), ("photo", 3), ("photo", 3), ("say", "状态"),
    ],
}


class Driver(Protocol):
    """A liaison on one channel: each call returns every reply that reached them."""

    def say(self, text: str) -> list[str]: ...

    def photo(self, data: bytes) -> list[str]: ...


def settle(services, clock) -> None:
    """After a photo: the worker fetches it, then flushes the outbox FLUSH_DELAY later."""
    worker = Worker(services)
    worker.run_once()
    clock.advance(seconds=FLUSH_DELAY.total_seconds())
    worker.run_once()


class ConsoleDriver:
    def __init__(self, url, clock, user="县委党校联络员"):
        self.url, self.clock, self.user = url, clock, user

    def say(self, text):
        resp = requests.post(f"{self.url}/console/api/messages",
                             json={"user": self.user, "text": text}, timeout=10)
        assert resp.status_code == 200, resp.text
        return resp.json()["replies"]

    def photo(self, data):
        resp = requests.post(f"{self.url}/console/api/messages", data={"user": self.user},
                             files={"image": ("活动.jpg", data, "image/jpeg")}, timeout=10)
        assert resp.status_code == 200, resp.text
        self.clock.advance(seconds=FLUSH_DELAY.total_seconds())   # as the others wait
        return resp.json()["replies"]


class WecomDriver:
    def __init__(self, url, clock, services, fake, user="ZhangSan"):
        self.member = Member(url, clock, user=user)
        self.clock, self.services, self.fake, self.user = clock, services, fake, user
        self.photos = 0

    def _pushed(self, before):
        return [text for touser, text in self.fake.sent_texts()[before:] if touser == self.user]

    def say(self, text):
        before = len(self.fake.sent_texts())
        reply = self.member.say(text)
        assert self._pushed(before) == []   # nothing over 2048 bytes in these dialogues
        return [reply]

    def photo(self, data):
        self.photos += 1
        media_id = f"MEDIA_{self.photos}"
        self.fake.add_media(media_id, data)
        before = len(self.fake.sent_texts())
        resp = self.member.post("image", PicUrl="", MediaId=media_id)
        assert resp.status_code == 200 and resp.content == b""
        settle(self.services, self.clock)
        return self._pushed(before)


class DingtalkDriver:
    def __init__(self, url, clock, services, fake, staff="manager0001"):
        self.member = DingtalkMember(url, clock, fake, staff_id=staff)
        self.clock, self.services, self.fake, self.staff = clock, services, fake, staff
        self.photos = 0

    def _replies_done(self):
        """Wait until every queued reply was tried directly (after the HTTP response)."""
        end = time.monotonic() + 10
        while time.monotonic() < end:
            with UnitOfWork(self.services.session_factory) as uow:
                waiting = uow.session.scalar(select(func.count()).select_from(WorkItem).where(
                    WorkItem.kind == "dingtalk_reply", WorkItem.state != "done"))
            if not waiting:
                return
            time.sleep(0.02)
        raise AssertionError("a DingTalk reply was not sent")

    def say(self, text):
        before = len(self.fake.texts_for(self.staff))
        resp = self.member.post(self.member.text(text))
        assert resp.status_code == 200 and resp.content == b""
        self._replies_done()
        return self.fake.texts_for(self.staff)[before:]

    def photo(self, data):
        self.photos += 1
        code = f"DL_{self.photos}"
        self.fake.add_file(code, data)
        before = len(self.fake.texts_for(self.staff))
        resp = self.member.post(self.member.picture(code))
        assert resp.status_code == 200 and resp.content == b""
        settle(self.services, self.clock)
        return self.fake.texts_for(self.staff)[before:]


class ReferenceDriver:
    """The conversation itself, no channel at all: what every channel must reproduce."""

    def __init__(self, services, clock):
        self.services, self.clock, self.n = services, clock, 0

    def _send(self, **fields):
        self.n += 1
        now = self.clock.now()
        return [reply.text for reply in self.services.conversation.receive(Incoming(
            channel="console", user_id="reference", msg_id=f"ref{self.n}",
            received_at=now, sent_at=now, **fields))]

    def say(self, text):
        return self._send(kind="text", text=text)

    def photo(self, data):
        replies = self._send(kind="photo", blob_path=self.services.files.put_blob(data, ".jpg"))
        self.clock.advance(seconds=FLUSH_DELAY.total_seconds())
        return replies


def play(driver: Driver, steps, services) -> list[tuple[str, str]]:
    """Run a dialogue; return (what was sent, the normalized replies) per step."""
    out = []
    for step in steps:
        if step[0] == "bind":
            said = f"绑定 {issue_code(services)}"
            replies = driver.say(said)
            said = "绑定 <code>"
        elif step[0] == "say":
            said, replies = step[1], driver.say(step[1])
        else:
            said, replies = f"<photo {step[1]}>", driver.photo(jpeg_bytes(seed=step[1]))
        out.append((said, normalize(replies)))
    return out


def normalize(replies: list[str]) -> str:
    """The replies of one step as one text: the receipt's time line and blank lines dropped."""
    lines = "\n".join(replies).split("\n")
    return "\n".join(line for line in lines if line.strip() and not line.startswith("时间："))


def issue_code(services) -> str:
    with UnitOfWork(services.session_factory) as uow:
        unit = uow.session.scalars(select(Unit).where(Unit.name == UNIT)).one()
        code = new_binding_code(uow.session, unit, services.clock.now(),
                                timedelta(hours=168), "test").code
        uow.commit()
    return code


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'reference.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url, tmp_path_factory.mktemp("reference-files")


@pytest.fixture
def expected(reference_db, clock):
    """The reference transcript of a dialogue, on a fresh database with the same start time."""
    url, files = reference_db
    start = clock.now()

    def run(name: str) -> list[tuple[str, str]]:
        engine = make_engine(url)
        with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
        engine.dispose()
        ref_clock = FixedClock(start)
        config = build_config({"database": {"url": url}, "files": {"dir": str(files)}})
        with build_services(config, clock=ref_clock) as svc:
            add_unit(svc, UNIT)
            return play(ReferenceDriver(svc, ref_clock), DIALOGUES[name], svc)
    return run


@pytest.fixture
def fakes(clock):
    with FakeWecomApi(wecom_client.CORP_ID, "s3cret") as wecom, \
            FakeDingtalkApi(dingtalk_client.APP_KEY, dingtalk_client.APP_SECRET,
                            clock=clock) as dingtalk:
        yield wecom, dingtalk


@pytest.fixture
def every_channel(db_url, tmp_path, clock, fakes):
    """One server with the console, the WeCom callback and the DingTalk callback."""
    wecom, dingtalk = fakes
    config = build_config({
        "database": {"url": db_url}, "files": {"dir": str(tmp_path / "files")},
        "wecom": {"corp_id": wecom_client.CORP_ID, "agent_id": wecom_client.AGENT_ID,
                  "secret": "s3cret", "token": wecom_client.TOKEN,
                  "encoding_aes_key": wecom_client.AES_KEY, "api_base": wecom.url},
        "dingtalk": {"app_key": dingtalk_client.APP_KEY,
                     "app_secret": dingtalk_client.APP_SECRET, "mode": "http",
                     "api_base": dingtalk.url, "oapi_base": dingtalk.url}})
    svc = build_services(config, clock=clock)
    add_unit(svc, UNIT)
    httpd = make_server("127.0.0.1", 0, create_app(services=svc), threaded=True)
    # The DingTalk reply goes out after the response, on the request's thread: the
    # teardown waits for those threads before the database goes away.
    httpd.daemon_threads, httpd.block_on_close = False, True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", svc
    httpd.shutdown()
    httpd.server_close()
    thread.join(10)
    svc.close()


def driver_for(channel, every_channel, clock, fakes) -> Driver:
    url, services = every_channel
    if channel == "console":
        return ConsoleDriver(url, clock)
    if channel == "wecom":
        return WecomDriver(url, clock, services, fakes[0])
    return DingtalkDriver(url, clock, services, fakes[1])


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("dialogue", list(DIALOGUES))
def test_every_channel_gets_the_replies_of_the_conversation(
        channel, dialogue, every_channel, clock, fakes, expected):
    got = play(driver_for(channel, every_channel, clock, fakes), DIALOGUES[dialogue],
               every_channel[1])
    assert got == expected(dialogue)


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_dialogue_says_what_it_should(channel, every_channel, clock, fakes):
    """Anchors, so that a reference that went wrong everywhere is still caught."""
    driver = driver_for(channel, every_channel, clock, fakes)
    [bound] = driver.say(f"绑定 {issue_code(every_channel[1])}")
    assert "绑定成功" in bound and UNIT in bound
    [receipt] = driver.say(SUMMARY)
    assert "时间：2026-03-20 10:00:00" in receipt and f"文字 {len(SUMMARY)} 字" in receipt
    [photo] = driver.photo(jpeg_bytes(seed=4))
    assert "已记录：图片 1 张" in photo and "按时报送" in photo
    [withdrawn] = driver.say("撤回")
    assert "撤回" in withdrawn
    [score] = driver.say("查分")
    assert "2026" in score
    [unknown] = driver.say("查一下")
    assert "没有看懂「查一下」" in unknown
