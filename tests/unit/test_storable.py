"""What a channel puts into an Incoming is made storable: odd characters never drop it."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from bot.messages import MAX_ID, Incoming, storable_id, storable_text

NOW = datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, stored", [
    ("本月开展活动", "本月开展活动"), ("a\ud800b", "a\ufffdb"), ("\udfff", "\ufffd"),
    ("a\x00b", "ab"), ("\ud83d\ude00", "😀"), ("\x0b\x07\t", "\x0b\x07\t"), ("", ""),
])
def test_text_loses_nuls_and_gets_a_replacement_for_each_lone_surrogate(text, stored):
    assert storable_text(text) == stored
    storable_text(text).encode("utf-8")   # every encoder takes it now


@pytest.mark.parametrize("value, stored", [
    ("manager0001", "manager0001"), ("a\x00b", "a\\x00b"), ("a\nb", "a\\x0ab"),
    ("x\ud800", "x\\ud800"), ("张三\x7f", "张三\\x7f"),
])
def test_ids_are_escaped_so_that_distinct_ids_stay_distinct(value, stored):
    assert storable_id(value) == stored


def test_an_id_that_escaping_makes_too_long_becomes_a_digest_that_still_differs():
    first, second = storable_id("\ud800" * 100), storable_id("\ud801" * 100)
    assert first.startswith("sha256:") and len(first) <= MAX_ID and first != second


def test_an_incoming_is_storable_whatever_the_channel_gave():
    msg = Incoming(channel="dingtalk", user_id="u\x00", msg_id="m\ud800", kind="document",
                   received_at=NOW, text="正文\x00\ud800", filename="小结\udc00.docx",
                   payload={"download_code": "c\x00", "k\ud800": ["x\ud800", 1]})
    assert (msg.user_id, msg.msg_id) == ("u\\x00", "m\\ud800")
    assert (msg.text, msg.filename) == ("正文\ufffd", "小结\ufffd.docx")
    assert msg.payload == {"download_code": "c", "k\ufffd": ["x\ufffd", 1]}
    json.dumps(msg.payload, ensure_ascii=False).encode("utf-8")
