"""DingTalk signatures and robot messages, without a server: the published formula's
values, the replay window, and the translation of every documented body."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.channels.dingtalk.messages import MalformedMessage, parse_body, to_robot_message
from bot.channels.dingtalk.sign import (BadSignature, StaleTimestamp, sign, verify_callback,
                                        webhook_sign)

NOW = datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)
NOW_MS = int(NOW.timestamp() * 1000)
BASE = "https://oapi.dingtalk.com"


def test_the_callback_sign_is_base64_hmac_sha256_of_timestamp_newline_secret():
    # Computed from the published formula (DingTalk publishes no vectors): PLATFORMS.md §3.2.
    assert sign("1577262236757", "this is secret") == "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM="


def test_the_group_robot_sign_is_the_same_signature_url_encoded():
    # PLATFORMS.md §3.10's check value.
    assert webhook_sign(1700000000000, "SEC0123456789abcdef") == (
        "TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D")


def test_a_callback_signed_now_is_accepted_up_to_an_hour_either_way():
    for offset in (0, -3600_000, 3600_000):
        ts = str(NOW_MS + offset)
        verify_callback(ts, sign(ts, "s3cret"), "s3cret", NOW)


@pytest.mark.parametrize("timestamp", ["", "abc", str(NOW_MS - 3600_001),
                                       str(NOW_MS + 3600_001), "1" * 20, "-5"])
def test_a_missing_malformed_or_stale_timestamp_is_refused(timestamp):
    with pytest.raises(StaleTimestamp):
        verify_callback(timestamp, sign(timestamp, "s3cret"), "s3cret", NOW)


@pytest.mark.parametrize("signature", ["", "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=",
                                       "签名", "x" * 500])
def test_a_wrong_or_missing_sign_is_refused(signature):
    with pytest.raises(BadSignature):
        verify_callback(str(NOW_MS), signature, "s3cret", NOW)


def body(msgtype="text", **fields):
    data = {"msgId": "msgA1==", "msgtype": msgtype, "createAt": NOW_MS - 2000,
            "conversationType": "1", "senderStaffId": "manager0001",
            "sessionWebhook": f"{BASE}/robot/sendBySession?session=x",
            "sessionWebhookExpiredTime": NOW_MS + 5_400_000}
    data.update(fields)
    return data


def test_a_text_becomes_one_text_message_without_the_leading_space():
    msg = to_robot_message(body(text={"content": " 状态"}), NOW, BASE)
    [part] = msg.parts
    assert (part.kind, part.text, part.msg_id, part.user_id) == ("text", "状态", "msgA1==",
                                                                 "manager0001")
    assert part.sent_at == NOW - timedelta(seconds=2) and part.received_at == NOW
    assert part.payload["conversation_type"] == "1"
    assert msg.session_webhook.startswith(BASE) and msg.session_expires_ms == NOW_MS + 5_400_000


def test_a_picture_carries_its_download_code():
    [part] = to_robot_message(body("picture", content={"downloadCode": "DC1",
                                                       "pictureDownloadCode": "P1"}),
                              NOW, BASE).parts
    assert part.kind == "photo" and part.payload["download_code"] == "DC1"


def test_a_rich_text_gives_a_part_each_with_its_own_id():
    parts = to_robot_message(body("richText", content={"richText": [
        {"text": "第一段"}, {"text": "\n"}, {"type": "picture", "downloadCode": "D1"},
        {"type": "picture", "downloadCode": "D2"}, {"text": "  "}, {"text": "第二段"}]}),
        NOW, BASE).parts
    assert [(p.msg_id, p.kind, p.text, p.payload.get("download_code")) for p in parts] == [
        ("msgA1==#1", "text", "第一段", None), ("msgA1==#2", "photo", "", "D1"),
        ("msgA1==#3", "photo", "", "D2"), ("msgA1==#4", "text", "第二段", None)]


def test_a_rich_text_with_one_part_keeps_the_msg_id():
    [part] = to_robot_message(body("richText", content={"richText": [
        {"text": " "}, {"type": "picture", "downloadCode": "D1"}]}), NOW, BASE).parts
    assert part.msg_id == "msgA1==" and part.kind == "photo"


def test_a_file_is_a_document_with_its_name_and_no_path():
    [part] = to_robot_message(body("file", content={"downloadCode": "F1", "spaceId": "1",
                                                    "fileName": "../../三月小结.docx"}),
                              NOW, BASE).parts
    assert (part.kind, part.filename, part.payload["download_code"]) == (
        "document", "三月小结.docx", "F1")


@pytest.mark.parametrize("msgtype, said", [("audio", "voice"), ("video", "video"),
                                           ("interactiveCard", "interactiveCard")])
def test_audio_video_and_the_rest_are_unsupported_with_their_type(msgtype, said):
    [part] = to_robot_message(body(msgtype, content={"downloadCode": "X"}), NOW, BASE).parts
    assert part.kind == "unsupported" and part.payload["type"] == said


def test_without_a_sender_staff_id_there_is_nothing_to_store():
    data = body(text={"content": "你好"})
    del data["senderStaffId"]
    msg = to_robot_message(data, NOW, BASE)
    assert msg.user_id is None and msg.parts == [] and msg.session_webhook


def test_create_at_may_come_as_a_string_of_digits():
    [part] = to_robot_message(body(text={"content": "x"}, createAt=str(NOW_MS)), NOW, BASE).parts
    assert part.sent_at == NOW


@pytest.mark.parametrize("create_at", [1700000000, 0, 10 ** 12, 10 ** 30])
def test_any_create_at_is_taken_and_one_beyond_any_date_is_no_send_time(create_at):
    # 1700000000 (seconds, not milliseconds) was refused; now kept, and the conversation
    # decides whether it counts (issue 12).
    [part] = to_robot_message(body(text={"content": "x"}, createAt=create_at), NOW, BASE).parts
    expected = None if create_at == 10 ** 30 else datetime.fromtimestamp(create_at / 1000,
                                                                         timezone.utc)
    assert part.sent_at == expected and part.received_at == NOW


def test_odd_characters_in_the_ids_are_escaped_not_refused():
    msg = to_robot_message(body(text={"content": "x\ud800"}, msgId="a\nb\ud800",
                                senderStaffId="u\x00v"), NOW, BASE)
    [part] = msg.parts
    assert (msg.msg_id, msg.user_id) == ("a\\x0ab\\ud800", "u\\x00v")
    assert (part.msg_id, part.user_id, part.text) == (msg.msg_id, msg.user_id, "x\ufffd")


def test_a_rich_text_element_with_a_download_code_is_a_picture_even_without_a_type():
    content = {"richText": [{"text": "活动"}, {"downloadCode": "CODE1", "pictureDownloadCode": "P"}]}
    parts = to_robot_message(body("richText", content=content), NOW, BASE).parts
    assert [(p.kind, p.payload.get("download_code")) for p in parts] == [
        ("text", None), ("photo", "CODE1")]


def test_json_nested_thousands_deep_is_malformed():
    with pytest.raises(MalformedMessage):
        parse_body(b"[" * 20000 + b"]" * 20000)


@pytest.mark.parametrize("fields", [
    {"msgId": ""}, {"msgId": 123}, {"msgId": "m" * 121},
    {"msgtype": None}, {"createAt": "soon"}, {"createAt": -1}, {"createAt": 1.5},
    {"createAt": True}, {"conversationType": "3"}, {"conversationType": None},
    {"senderStaffId": ["x"]},
    {"text": "not an object"}, {"text": {"content": 5}},
    {"sessionWebhook": "https://evil.example/robot/sendBySession?session=x"},
    {"sessionWebhook": f"{BASE}.evil.example/x"}, {"sessionWebhookExpiredTime": None},
])
def test_an_undocumented_body_is_malformed(fields):
    with pytest.raises(MalformedMessage):
        to_robot_message(body(**{"text": {"content": "x"}, **fields}), NOW, BASE)


@pytest.mark.parametrize("msgtype, content", [
    ("picture", {}), ("picture", {"downloadCode": ""}), ("picture", None),
    ("file", {"downloadCode": 7}), ("richText", {"richText": "x"}),
    ("richText", {"richText": [{"type": "picture"}]}), ("richText", {"richText": ["a"]}),
])
def test_media_without_a_usable_download_code_is_malformed(msgtype, content):
    with pytest.raises(MalformedMessage):
        to_robot_message(body(msgtype, content=content), NOW, BASE)


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1]", b'"text"', b"\xff\xfe{}"])
def test_a_body_that_is_not_a_json_object_is_malformed(raw):
    with pytest.raises(MalformedMessage):
        parse_body(raw)
