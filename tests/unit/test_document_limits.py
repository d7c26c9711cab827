"""Reading a document stays within its limits: entries, inflated size, pages, time."""
from __future__ import annotations

import io
import struct
import zipfile

import pypdf
import pytest

from storage.documents import DocumentLimits, extract_text
from storage.photos import Rejected
from tests.documents import word, zip_bomb_docx

MB = 1024 * 1024
ADVICE = "请另存为较小的文件或直接发送文字"


def read(data: bytes, name: str = "小结.docx", **limits) -> str:
    return extract_text(data, name, max_bytes=20 * MB, limits=DocumentLimits(**limits))


def with_members(data: bytes, extra: dict[str, bytes]) -> bytes:
    """A Word file with more entries added."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, content in extra.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_zip_bomb_is_refused_by_the_size_its_entry_declares():
    bomb = zip_bomb_docx()
    assert len(bomb) < MB   # 100 MB of XML in a few hundred KB
    with pytest.raises(Rejected) as refused:
        read(bomb)
    assert "解压后的内容超过上限（单个部件 10MB，合计 50MB）" in refused.value.reason
    assert ADVICE in refused.value.reason


def test_a_word_file_just_under_the_limits_is_read():
    data = zip_bomb_docx(2 * MB)
    assert read(data, max_member_bytes=3 * MB).startswith("本月开展志愿服务活动。")


def test_entries_that_together_inflate_beyond_the_total_are_refused():
    data = with_members(word(["小结"]), {f"word/media/p{i}.bin": b"\0" * MB for i in range(4)})
    assert read(data, max_total_bytes=10 * MB) == "小结"
    with pytest.raises(Rejected, match="合计 4MB"):
        read(data, max_total_bytes=4 * MB)


def test_a_word_file_with_too_many_entries_is_refused():
    data = with_members(word(["小结"]), {f"extra/item{i}.xml": b"<a/>" for i in range(40)})
    with pytest.raises(Rejected) as refused:
        read(data, max_members=50)
    assert "部件太多（57 个，上限 50 个）" in refused.value.reason
    assert ADVICE in refused.value.reason


def lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with `member`'s uncompressed size in both its headers set to `size`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    out = bytearray(data)
    name = member.encode()
    for signature, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := out.find(signature, start)) >= 0:
            length_at = 26 if signature == b"PK\x03\x04" else 28
            name_at = 30 if signature == b"PK\x03\x04" else 46
            (name_length,) = struct.unpack_from("<H", out, start + length_at)
            if out[start + name_at:start + name_at + name_length] == name:
                assert struct.unpack_from("<I", out, start + at)[0] == info.file_size
                struct.pack_into("<I", out, start + at, size)
            start += 4
    return bytes(out)


def test_an_entry_that_inflates_to_more_than_it_declares_is_refused_as_damaged():
    bomb = lie_about_size(zip_bomb_docx(2 * MB + 7), "word/document.xml", 4096)
    with pytest.raises(Rejected, match="Word 文件已损坏"):
        read(bomb, max_member_bytes=MB)


def test_reading_that_takes_longer_than_allowed_is_refused():
    data = zip_bomb_docx(2 * MB)
    with pytest.raises(Rejected) as refused:
        read(data, max_seconds=1e-6)   # inflating 1 MB alone takes longer than that
    assert "用时超过" in refused.value.reason and ADVICE in refused.value.reason


def test_a_pdf_with_too_many_pages_is_refused_before_its_text_is_read():
    writer = pypdf.PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(Rejected, match="页数太多（3 页，上限 2 页）"):
        read(out.getvalue(), "小结.pdf", max_pages=2)


def test_a_zip_whose_end_record_understates_its_entries_is_refused_by_its_directory_size():
    extra = {f"extra/item{i}.xml": b"<a/>" for i in range(60)}
    data = bytearray(with_members(word(["小结"]), extra))
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 5, 5)   # entries on this disk, entries in all
    with pytest.raises(Rejected) as refused:
        read(bytes(data), max_members=8)   # 77 directory records: 4,831 bytes > 8 x 512
    assert "部件太多（上限 8 个）" in refused.value.reason   # not zipfile's count of them
