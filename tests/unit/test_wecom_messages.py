"""WeCom's decrypted XML to the internal message, and our passive reply back."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest

from bot.channels.wecom.crypto import MalformedMessage
from bot.channels.wecom.messages import parse_message, parse_xml, render_text_reply, to_incoming
from tests.fakes.wecom_client import message_xml

NOW = datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)
CORP = "ww1436e0e65a779aee"


def incoming(msg_type, msg_id="1456453720", **fields):
    xml = message_xml(CORP, "ZhangSan", 1773972000, msg_type, msg_id, **fields)
    return to_incoming(parse_xml(xml), received_at=NOW)


def test_a_text_becomes_a_text_message_with_its_msg_id_and_utc_send_time():
    msg = incoming("text", Content="本月开展志愿服务两次")
    assert (msg.channel, msg.user_id, msg.msg_id, msg.kind) == ("wecom", "ZhangSan",
                                                                "1456453720", "text")
    assert msg.text == "本月开展志愿服务两次"
    assert msg.sent_at == datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)
    assert msg.sent_at.tzinfo is timezone.utc and msg.received_at == NOW


def test_an_image_becomes_a_photo_still_to_download():
    msg = incoming("image", PicUrl="http://p/1.jpg", MediaId="MEDIA_1")
    assert msg.kind == "photo" and msg.blob_path is None
    assert msg.payload == {"media_id": "MEDIA_1", "pic_url": "http://p/1.jpg"}


def test_a_file_becomes_a_document_with_its_name():
    msg = incoming("file", MediaId="MEDIA_2", FileName="三月小结.docx")
    assert msg.kind == "document" and msg.filename == "三月小结.docx"
    assert msg.payload["media_id"] == "MEDIA_2"


def test_a_link_is_read_as_text_title_description_and_url():
    msg = incoming("link", Title="敬老活动", Description="重阳节走访", Url="https://x.cn/a")
    assert msg.kind == "text" and msg.text == "敬老活动\n重阳节走访\nhttps://x.cn/a"


@pytest.mark.parametrize("msg_type, fields", [
    ("voice", {"MediaId": "v", "Format": "amr"}),
    ("video", {"MediaId": "v", "ThumbMediaId": "t"}),
    ("location", {"Location_X": "23.1", "Location_Y": "113.3", "Scale": "15", "Label": "县城"}),
])
def test_voice_video_and_location_are_unsupported_with_their_type(msg_type, fields):
    msg = incoming(msg_type, **fields)
    assert msg.kind == "unsupported" and msg.payload == {"type": msg_type}


def test_an_event_gets_an_id_from_sender_time_and_event():
    msg = incoming("event", msg_id=None, Event="enter_agent", EventKey="")
    assert msg.kind == "event" and msg.payload["event"] == "enter_agent"
    assert msg.msg_id == "event:ZhangSan:1773972000:enter_agent"


@pytest.mark.parametrize("xml", [
    "<xml><MsgType>text</MsgType><CreateTime>1</CreateTime><MsgId>1</MsgId></xml>",
    "<xml><FromUserName>a</FromUserName><MsgType>text</MsgType><MsgId>1</MsgId></xml>",
    "<xml><FromUserName>a</FromUserName><CreateTime>x</CreateTime><MsgType>text</MsgType></xml>",
    "<xml><FromUserName>a</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>",
    "<xml><FromUserName>a</FromUserName><CreateTime>1</CreateTime><MsgType>image</MsgType>"
    "<MsgId>1</MsgId></xml>",
])
def test_a_message_missing_what_wecom_always_sends_is_malformed(xml):
    with pytest.raises(MalformedMessage):
        to_incoming(parse_xml(xml), received_at=NOW)


def test_a_create_time_beyond_any_date_is_kept_as_no_send_time():
    # Once refused; now the message is kept and its receipt time counts (issue 12).
    xml = ("<xml><FromUserName>a</FromUserName><CreateTime>99999999999999999999</CreateTime>"
           "<MsgType>text</MsgType><MsgId>1</MsgId></xml>")
    msg = to_incoming(parse_xml(xml), received_at=NOW)
    assert msg.sent_at is None and msg.at == NOW


def test_a_signed_message_with_characters_xml_forbids_is_read_without_them():
    xml = message_xml(CORP, "ZhangSan", 1773972000, "text", "1", Content="第一行\x0b第二行\x07")
    msg = to_incoming(parse_message(xml), received_at=NOW)
    assert msg.text == "第一行第二行"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<xml><Content>&lol2;</Content></xml>"""


@pytest.mark.parametrize("data", [
    BILLION_LAUGHS, '<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml/>',
    "<xml><!ENTITY x 'y'></xml>", "<!doctype xml><xml/>", "not xml at all", "<xml>",
    "<other><a>1</a></other>", b"\xff\xfe<\x00x\x00", "",
])
def test_dtds_entities_and_non_xml_are_refused_before_any_parsing_of_them(data):
    with pytest.raises(MalformedMessage):
        parse_xml(data)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8"])
def test_a_dtd_is_refused_in_any_encoding_of_the_envelope(encoding):
    # The old byte regex let a UTF-16 envelope with a DOCTYPE and ENTITY through.
    declared = "utf-16" if encoding.startswith("utf-16") else "utf-8"
    doc = (f'<?xml version="1.0" encoding="{declared}"?>'
           '<!DOCTYPE xml [<!ENTITY e "展开">]><xml><Encrypt>&e;</Encrypt></xml>')
    with pytest.raises(MalformedMessage, match="DOCTYPE"):
        parse_xml(doc.encode(encoding))


def test_an_envelope_in_utf_16_without_a_dtd_is_read():
    doc = '<?xml version="1.0" encoding="utf-16"?><xml><Encrypt>abc</Encrypt></xml>'
    assert parse_xml(doc.encode("utf-16")) == {"Encrypt": "abc"}


@pytest.mark.parametrize("content", ["已记录：文字 52 字", "a ]]> b <![CDATA[ c", "x]]>", "\x01控制"])
def test_the_passive_reply_carries_any_content_intact(content):
    xml = render_text_reply("ZhangSan", CORP, "1000002", content, 1773972000)
    root = ET.fromstring(xml)
    assert root.findtext("Content") == content.replace("\x01", "")
    assert (root.findtext("ToUserName"), root.findtext("FromUserName")) == ("ZhangSan", CORP)
    assert (root.findtext("MsgType"), root.findtext("AgentID")) == ("text", "1000002")
