"""Download file names read from Content-Disposition (RFC 6266, RFC 5987/2231), and
error bodies told from files."""
from __future__ import annotations

import pytest

from bot.channels.clients import disposition_filename, not_media

RAW = "小结.docx".encode("utf-8").decode("latin-1")   # how http.client hands raw UTF-8 over


@pytest.mark.parametrize("header, name", [
    ("attachment; filename*=UTF-8''%E5%B0%8F%E7%BB%93.docx", "小结.docx"),
    (f'attachment; filename="{RAW}"', "小结.docx"),
    (f"attachment; filename={RAW}", "小结.docx"),
    ("attachment; filename=\"a.docx\"; filename*=UTF-8''%E5%B0%8F%E7%BB%93.docx", "小结.docx"),
    ("attachment; filename*=UTF-8''%E5%B0%8F%E7%BB%93.docx; filename=\"a.docx\"", "小结.docx"),
    ("attachment; filename*0*=UTF-8''%E5%B0%8F; filename*1*=%E7%BB%93.docx", "小结.docx"),
    ("attachment; filename*=GBK''%D0%A1%BD%E1.docx", "小结.docx"),
    ('attachment; filename="%E5%B0%8F%E7%BB%93.docx"', "小结.docx"),
    ('attachment; filename="MEDIA_ID.jpg"', "MEDIA_ID.jpg"),
    ('attachment; FILENAME="caf\xe9.txt"', "café.txt"),          # a real latin-1 name stays
    ('attachment; filename="100%.txt"', "100%.txt"),
    ('attachment; filename="../../etc/passwd"', "passwd"),
    ('attachment; filename="C:\\\\temp\\\\小结.txt"', "小结.txt"),
])
def test_a_file_name_is_decoded_as_the_rfcs_say_with_a_utf8_fallback(header, name):
    assert disposition_filename(header) == name


@pytest.mark.parametrize("header", ["", "inline", "attachment", 'attachment; filename=""',
                                    'attachment; filename="/"'])
def test_a_header_without_a_name_gives_none(header):
    assert disposition_filename(header) is None


@pytest.mark.parametrize("content_type, body", [
    ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("application/octet-stream", b"PK\x03\x04"),
    ("application/pdf", b"%PDF-1.7"),
    ("text/plain", "三月份我单位开展了活动。".encode("utf-8")),
    ("text/plain", b"{not json at all"),
    ("text/plain", b"<3 our volunteers"),
])
def test_files_are_files(content_type, body):
    assert not_media(content_type, body) is None


@pytest.mark.parametrize("content_type, body", [
    ("application/json; charset=utf-8", b"anything"),
    ("text/html", b"anything"),
    ("application/problem+json", b"anything"),
    ("image/jpeg", b'{"errcode": 0}'),
    ("image/jpeg", b"\xef\xbb\xbf [1, 2]"),
    ("image/jpeg", b"<!DOCTYPE HTML><title>x</title>"),
    ("application/octet-stream", b"<html>"),
    ("application/octet-stream", b"  <body onload=x>"),
    ("image/jpeg", b'<?xml version="1.0"?><Error/>'),
])
def test_json_and_html_bodies_are_not_media(content_type, body):
    assert not_media(content_type, body) is not None
