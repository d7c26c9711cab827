"""The console channel over real HTTP: a real server in a thread, requests as the client."""
from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import InboundMessage, SummaryItem
from tests.conftest import SUMMARY, add_unit, jpeg_bytes

USER = "县委党校"


@pytest.fixture
def server(services):
    add_unit(services, "县委党校", liaisons=[f"console:{USER}"])
    app = create_app(services=services)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)


def rows(services, model) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_healthz_answers_ok(server):
    resp = requests.get(f"{server}/healthz", timeout=10)
    assert resp.status_code == 200 and resp.json() == {"ok": True}


def test_the_console_page_lists_the_console_liaisons(server):
    resp = requests.get(f"{server}/console", timeout=10)
    assert resp.status_code == 200
    assert "联络员控制台" in resp.text and USER in resp.text


def test_a_text_then_a_photo_give_receipts_over_http(server, services):
    resp = requests.post(f"{server}/console/api/messages",
                         json={"user": USER, "text": SUMMARY}, timeout=10)
    assert resp.status_code == 200
    [receipt] = resp.json()["replies"]
    assert "县委党校" in receipt and "2026年3月" in receipt and "2026-03-20 10:00:00" in receipt
    resp = requests.post(f"{server}/console/api/messages", data={"user": USER},
                         files={"image": ("活动.jpg", jpeg_bytes(), "image/jpeg")}, timeout=10)
    [photo] = resp.json()["replies"]
    assert "图片 1 张" in photo and "按时报送" in photo
    assert rows(services, SummaryItem) == 2


def test_a_document_upload_is_received_and_its_count_shows_in_the_history(server, services):
    resp = requests.post(f"{server}/console/api/messages", data={"user": USER},
                         files={"file": ("小结.txt", SUMMARY.encode(), "text/plain")}, timeout=10)
    [reply] = resp.json()["replies"]
    assert "已收到" in reply and "小结.txt" in reply
    Worker(services).run_once()
    history = requests.get(f"{server}/console/api/messages", params={"user": USER}, timeout=10)
    [entry] = history.json()["messages"]
    assert entry["filename"] == "小结.txt"
    assert f"中的文字 {len(SUMMARY)} 字" in entry["replies"][1]


def test_the_same_message_id_twice_over_http_gives_one_item_and_the_same_answer(server, services):
    body = {"user": USER, "text": SUMMARY, "id": "client-42"}
    first = requests.post(f"{server}/console/api/messages", json=body, timeout=10).json()
    second = requests.post(f"{server}/console/api/messages", json=body, timeout=10).json()
    assert first["replies"] == second["replies"]
    assert rows(services, SummaryItem) == 1


def test_history_shows_what_was_said_and_answered(server):
    requests.post(f"{server}/console/api/messages", json={"user": USER, "text": "状态"}, timeout=10)
    resp = requests.get(f"{server}/console/api/messages", params={"user": USER}, timeout=10)
    [entry] = resp.json()["messages"]
    assert entry["text"] == "状态" and "截止" in entry["replies"][0]


def test_history_keeps_messages_of_the_same_instant_in_the_order_they_came(server):
    for text in ("状态", "帮助", "查分"):     # the test clock stands still: one instant
        requests.post(f"{server}/console/api/messages", json={"user": USER, "text": text},
                      timeout=10)
    resp = requests.get(f"{server}/console/api/messages", params={"user": USER}, timeout=10)
    assert [m["text"] for m in resp.json()["messages"]] == ["状态", "帮助", "查分"]


@pytest.mark.parametrize("kwargs, status", [
    ({"data": "user=x&text=y", "headers": {"Content-Type": "text/plain"}}, 415),
    ({"data": "{not json", "headers": {"Content-Type": "application/json"}}, 400),
    ({"json": ["a", "list"]}, 400),
    ({"json": {"text": "缺少用户"}}, 400),
    ({"json": {"user": USER}}, 400),
    ({"json": {"user": USER, "text": 42}}, 400),
    ({"json": {"user": "x" * 500, "text": "太长的身份"}}, 400),
    ({"data": {"user": USER}, "files": {"image": ("a.jpg", b"", "image/jpeg")}}, 400),
])
def test_malformed_requests_get_a_4xx_in_chinese_and_store_nothing(server, services, kwargs, status):
    resp = requests.post(f"{server}/console/api/messages", timeout=10, **kwargs)
    assert resp.status_code == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in resp.json()["error"])
    assert rows(services, InboundMessage) == 0


def test_an_upload_over_the_size_limit_is_refused_with_413(server, services):
    big = b"\xff\xd8" + b"0" * (26 * 1024 * 1024)
    resp = requests.post(f"{server}/console/api/messages", data={"user": USER},
                         files={"image": ("big.jpg", big, "image/jpeg")}, timeout=30)
    assert resp.status_code == 413 and "MB" in resp.json()["error"]
    assert rows(services, InboundMessage) == 0


def test_a_broken_image_over_http_gets_a_clear_reply_not_a_500(server, services):
    resp = requests.post(f"{server}/console/api/messages", data={"user": USER},
                         files={"image": ("x.jpg", b"GIF89a broken", "image/jpeg")}, timeout=10)
    assert resp.status_code == 200
    assert "没有记入" in resp.json()["replies"][0]
    assert rows(services, InboundMessage) == 1 and rows(services, SummaryItem) == 0
