"""DingTalk Stream mode against a fake gateway that speaks the protocol the SDK expects:
connections/open for a ticket, then CALLBACK frames, SYSTEM pings and disconnects over a
WebSocket, and the client's ACKs."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select

from bot.channels.dingtalk.streaming import StreamClient
from bot.clock import SystemClock
from bot.config import build_config
from bot.bootstrap import build_services
from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import InboundMessage, SummaryItem, WorkItem
from tests.conftest import SUMMARY, add_unit, jpeg_bytes
from tests.fakes.dingtalk_api import FakeDingtalkApi
from tests.fakes.dingtalk_client import APP_KEY, APP_SECRET, DingtalkMember
from tests.fakes.dingtalk_gateway import FakeStreamGateway

STAFF = "manager0001"


@pytest.fixture
def gateway():
    with FakeStreamGateway() as gw:
        yield gw


@pytest.fixture
def fake_api(clock, gateway):
    with FakeDingtalkApi(APP_KEY, APP_SECRET, clock=clock) as api:
        api.gateway = gateway
        yield api


@pytest.fixture
def st_services(db_url, tmp_path, clock, fake_api):
    config = build_config({
        "database": {"url": db_url}, "files": {"dir": str(tmp_path / "files")},
        "dingtalk": {"app_key": APP_KEY, "app_secret": APP_SECRET, "mode": "stream",
                     "api_base": fake_api.url, "oapi_base": fake_api.url}})
    svc = build_services(config, clock=clock)
    svc.dingtalk.sleep = lambda seconds: None
    add_unit(svc, "县委党校", liaisons=[f"dingtalk:{STAFF}"])
    yield svc
    svc.close()


@pytest.fixture
def client(st_services, gateway):
    stream = StreamClient(st_services, min_delay=0.05, max_delay=0.2)
    thread = threading.Thread(target=stream.run, daemon=True)
    thread.start()
    gateway.wait_connected()
    yield stream
    stream.stop()
    thread.join(15)
    assert not thread.is_alive(), "the Stream client did not stop"


@pytest.fixture
def member(fake_api, clock):
    # In Stream mode nobody POSTs to us: the member's messages go through the gateway.
    return DingtalkMember("http://unused", clock, fake_api, staff_id=STAFF)


def count(services, model, *where) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_text_is_committed_before_its_ack_and_answered_through_the_webhook(
        client, gateway, member, st_services):
    message_id = gateway.push(member.text(SUMMARY))
    ack = gateway.ack(message_id)
    assert count(st_services, InboundMessage) == 1 and count(st_services, SummaryItem) == 1
    assert ack["code"] == 200 and ack["headers"]["messageId"] == message_id
    assert json.loads(ack["data"]) == {"response": "OK"}
    [reply] = member.replies(0)
    assert "已记录：文字" in reply and "县委党校" in reply


def test_a_ping_is_answered_with_its_opaque(client, gateway):
    ack = gateway.ack(gateway.ping("opaque-1234"))
    assert ack["code"] == 200 and json.loads(ack["data"]) == {"opaque": "opaque-1234"}


def test_a_picture_pushed_twice_is_stored_once_and_the_worker_sends_its_receipt(
        client, gateway, member, fake_api, st_services, clock):
    fake_api.add_file("DL_S1", jpeg_bytes(seed=31))
    body = member.picture("DL_S1", msg_id="msgSTREAMPIC1==")
    for _ in range(2):
        assert gateway.ack(gateway.push(body))["code"] == 200
    assert count(st_services, InboundMessage) == 1
    assert count(st_services, WorkItem, WorkItem.kind == "dingtalk_media") == 1
    worker = Worker(st_services)
    worker.run_once()
    clock.advance(seconds=5)
    worker.run_once()
    [receipt] = member.replies(0)
    assert "已记录：图片 1 张" in receipt and count(st_services, SummaryItem) == 1


def test_a_malformed_message_gets_a_400_ack_stores_nothing_and_the_connection_goes_on(
        client, gateway, member, st_services):
    no_id = {k: v for k, v in member.text(SUMMARY).items() if k != "msgId"}
    assert gateway.ack(gateway.push(no_id))["code"] == 400
    assert gateway.ack(gateway.push({}, raw_data="not json"))["code"] == 400
    assert gateway.ack(gateway.push({}, raw_data="[1, 2]"))["code"] == 400
    assert count(st_services, InboundMessage) == 0 and count(st_services, WorkItem) == 0
    assert gateway.ack(gateway.push(member.text(SUMMARY)))["code"] == 200
    assert count(st_services, SummaryItem) == 1


def test_stream_data_nested_too_deep_gets_a_400_ack_and_odd_characters_are_stored(
        client, gateway, member, st_services):
    assert gateway.ack(gateway.push({}, raw_data="[" * 20000 + "]" * 20000))["code"] == 400
    assert count(st_services, InboundMessage) == 0
    odd = member.text("本月\ud800活动\x00" + SUMMARY, msg_id="msg\ud800==")
    assert gateway.ack(gateway.push({}, raw_data=json.dumps(odd)))["code"] == 200
    with UnitOfWork(st_services.session_factory) as uow:
        row = uow.session.scalars(select(InboundMessage)).one()
    assert (row.platform_msg_id, row.text) == ("msg\\ud800==", "本月\ufffd活动" + SUMMARY)


def test_a_frame_of_a_topic_not_subscribed_gets_404(client, gateway, member):
    ack = gateway.ack(gateway.push(member.text("状态"), topic="/v1.0/card/instances/callback"))
    assert ack["code"] == 404


def test_a_disconnect_makes_the_client_reconnect_with_a_fresh_ticket(
        client, gateway, member, st_services):
    assert gateway.ack(gateway.disconnect())["code"] == 200
    gateway.wait_connected(count=2)
    assert gateway.open_connections(wait_for=1) == 1 and gateway.refused == 0
    assert gateway.ack(gateway.push(member.text(SUMMARY)))["code"] == 200
    assert count(st_services, SummaryItem) == 1


def test_a_gateway_that_refuses_at_first_is_tried_again(st_services, gateway, fake_api):
    fake_api.fail_next(4, "http500", path="connections/open")   # one round of 3, then 1
    stream = StreamClient(st_services, min_delay=0.05, max_delay=0.2)
    thread = threading.Thread(target=stream.run, daemon=True)
    thread.start()
    try:
        gateway.wait_connected()
        assert len(fake_api.calls_to("connections/open")) == 5
    finally:
        stream.stop()
        thread.join(15)


def test_stop_closes_the_connection_and_returns(st_services, gateway):
    stream = StreamClient(st_services)
    thread = threading.Thread(target=stream.run, daemon=True)
    thread.start()
    gateway.wait_connected()
    started = time.monotonic()
    stream.stop()
    thread.join(15)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert gateway.open_connections(wait_for=0) == 0 and not stream.connected.is_set()


def test_stop_before_run_returns_at_once(st_services, gateway):
    stream = StreamClient(st_services)
    stream.stop()
    stream.run()
    assert gateway.used_tickets == []


def test_the_sdk_takes_its_api_base_from_the_config():
    code = ("from bot.channels.dingtalk.streaming import load_sdk\n"
            "sdk = load_sdk('http://127.0.0.1:9/')\n"
            "import dingtalk_stream.utils as u\n"
            "print(u.DINGTALK_OPENAPI_ENDPOINT, sdk.DingTalkStreamClient.OPEN_CONNECTION_API)")
    env = {k: v for k, v in os.environ.items() if k != "DINGTALK_OPENAPI_ENDPOINT"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60, check=True).stdout.split()
    assert out == ["http://127.0.0.1:9", "http://127.0.0.1:9/v1.0/gateway/connections/open"]


def start(path, env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "--config", str(path),
                             "dingtalk-stream"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True, env=env)


def terminate(proc: subprocess.Popen) -> tuple[int, str]:
    started = time.monotonic()
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        code = proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        raise AssertionError("dingtalk-stream ignored SIGTERM")
    finally:
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
    assert time.monotonic() - started < 12
    return code, err


def test_the_dingtalk_stream_process_answers_and_stops_cleanly_on_sigterm(
        st_services, gateway, fake_api, tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{st_services.config.database.url}"\n'
                    f'[files]\ndir = "{st_services.config.files.dir}"\n'
                    f'[dingtalk]\napp_key = "{APP_KEY}"\nmode = "stream"\n'
                    f'api_base = "{fake_api.url}"\noapi_base = "{fake_api.url}"\n',
                    encoding="utf-8")
    env = {**os.environ, "BOT_DINGTALK_APP_SECRET": APP_SECRET}
    proc = start(path, env)
    try:
        gateway.wait_connected(timeout=60)
        member = DingtalkMember("http://unused", SystemClock(), fake_api, staff_id=STAFF)
        assert gateway.ack(gateway.push(member.text(SUMMARY)))["code"] == 200
        [reply] = member.replies(0)
        assert "已记录：文字" in reply
    finally:
        code, err = terminate(proc)
    assert code == 0, err
    assert gateway.open_connections(wait_for=0) == 0
    assert "Traceback" not in err and "never retrieved" not in err, err


def test_without_stream_mode_the_process_idles_until_sigterm(config, tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n', encoding="utf-8")
    proc = start(path, dict(os.environ))
    # Wait for the line that says it idles (a cold start can take seconds), then a while more.
    first = ""
    while "Stream mode is off" not in first:
        line = proc.stderr.readline().decode("utf-8", "replace")
        assert line, f"it stopped before saying it idles: {first}"
        first += line
    time.sleep(1.5)
    assert proc.poll() is None, "it must not exit: honcho would stop the other processes"
    code, err = terminate(proc)
    assert code == 0, first + err


def test_a_half_configured_app_stops_the_process_naming_the_key(config, tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[dingtalk]\napp_key = "{APP_KEY}"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    done = subprocess.run([sys.executable, "-m", "bot", "--config", str(path),
                           "dingtalk-stream"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 2 and "dingtalk.app_secret" in done.stderr
