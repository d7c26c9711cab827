"""The file store against a real folder, with photos and documents made on the spot."""
from __future__ import annotations

import io
import os
import random
import struct
import zlib
from datetime import datetime
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

import pypdf
import pytest
from PIL import Image, ImageDraw

from storage.files import (FileLimits, FileStore, Rejected, download_extension, hamming,
                           is_document_name, is_older)
from tests.documents import pdf, word

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- making files ------------------------------------------------------------

def scene(width: int, height: int, seed: int = 1) -> Image.Image:
    """Return a picture with structure (gradient, shapes), unlike a flat colour."""
    rng = random.Random(seed)
    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 8, width // 2), rng.randrange(height // 8, height // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x - w // 2, y - h // 2, x + w // 2, y + h // 2), fill=colour)
    return img


def jpeg(img: Image.Image, *, orientation: int | None = None, taken: str | None = None,
         offset: str | None = None, modified: str | None = None, quality: int = 90) -> bytes:
    """Return a JPEG of img with the given EXIF tags."""
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if modified is not None:
        exif[0x0132] = modified
    sub = exif.get_ifd(0x8769)
    if taken is not None:
        sub[0x9003] = taken
    if offset is not None:
        sub[0x9011] = offset
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def encoded(img: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def black_png(width: int, height: int) -> bytes:
    """Return a valid 1-bit black PNG, built without holding the picture in memory."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    row = b"\x00" * (1 + (width + 7) // 8)   # filter byte + packed bits
    squeezer = zlib.compressobj(9)
    idat = b"".join(squeezer.compress(row) for _ in range(height)) + squeezer.flush()
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


TEXT_PDF = pdf(b"BT /F1 24 Tf 72 700 Td (March: 3 volunteer activities) Tj ET")


def encrypted(pdf_bytes: bytes, user_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes)))
    writer.encrypt(user_password=user_password, owner_password="office",
                   algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "files")


def files_under(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def put_photo(store: FileStore, data: bytes, suffix: str = ""):
    """Receive a photo and check it, as a channel and the handler do."""
    return store.put_photo(store.put_blob(data, suffix))


def put_document(store: FileStore, data: bytes, name: str):
    """Receive a document and check it, as a channel and the handler do."""
    return store.put_document(store.put_blob(data, PurePosixPath(name).suffix.lower()), name)


# --- photos: what is kept ----------------------------------------------------

def test_a_jpeg_is_kept_byte_for_byte_under_its_sha256(store):
    data = jpeg(scene(640, 480), taken="2026:03:14 09:30:00")
    photo = put_photo(store, data, ".jpg")
    assert len(photo.sha256) == 64
    assert photo.original_path == (
        f"incoming/{photo.sha256[:2]}/{photo.sha256[2:4]}/{photo.sha256}.jpg")
    assert store.read(photo.original_path) == data
    assert (photo.content_type, photo.size_bytes) == ("image/jpeg", len(data))
    assert (photo.width, photo.height) == (640, 480)


def test_the_thumbnail_is_an_rgb_jpeg_no_longer_than_the_limit(tmp_path):
    store = FileStore(tmp_path, FileLimits(thumb_size=200))
    photo = put_photo(store, encoded(scene(1000, 500).convert("RGBA"), "PNG"))
    assert photo.thumb_path == f"thumbs/{photo.sha256[:2]}/{photo.sha256}.jpg"
    with Image.open(store.path(photo.thumb_path)) as thumb:
        assert (thumb.format, thumb.mode, thumb.size) == ("JPEG", "RGB", (200, 100))


def test_storing_the_same_photo_twice_gives_the_same_result_and_one_file(store):
    data = jpeg(scene(640, 480))
    first, second = put_photo(store, data, ".jpg"), put_photo(store, data, ".jpeg")
    assert first == second
    assert files_under(store.root) == [store.path(first.original_path),
                                       store.path(first.thumb_path)]


def test_an_accepted_photo_is_its_received_file_and_a_thumbnail(store):
    data = jpeg(scene(640, 480))
    received = store.put_blob(data, ".jpg")
    photo = store.put_photo(received)
    assert photo.original_path == received
    assert files_under(store.root) == [store.path(received), store.path(photo.thumb_path)]
    assert sum(p.stat().st_size for p in files_under(store.root)) == (
        len(data) + store.path(photo.thumb_path).stat().st_size)


def test_an_orientation_6_photo_has_a_portrait_size_and_thumbnail(store):
    img = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(img).rectangle((0, 0, 99, 74), fill="red")   # top-left corner
    photo = put_photo(store, jpeg(img, orientation=6))
    assert (photo.width, photo.height) == (300, 400)
    with Image.open(store.path(photo.thumb_path)) as thumb:
        assert thumb.size == (300, 400)
        # Turned 90° clockwise to stand upright: the top-left corner is now top-right.
        red, green, blue = thumb.getpixel((thumb.width - 20, 20))
        assert red > 200 and green < 60 and blue < 60
        assert thumb.getpixel((20, 20))[1] > 200


def test_the_exif_time_is_read_as_shanghai_time(store):
    photo = put_photo(store, jpeg(scene(320, 240), taken="2026:03:14 09:30:05"))
    assert photo.taken_at == datetime(2026, 3, 14, 9, 30, 5, tzinfo=SHANGHAI)
    assert photo.taken_at.utcoffset().total_seconds() == 8 * 3600


def test_an_exif_offset_turns_the_camera_time_into_shanghai_time(store):
    photo = put_photo(store, jpeg(scene(320, 240), taken="2026:03:14 01:30:00",
                                 offset="+00:00"))
    assert photo.taken_at == datetime(2026, 3, 14, 9, 30, tzinfo=SHANGHAI)
    assert photo.taken_at.tzinfo == SHANGHAI


def test_without_date_time_original_the_exif_date_time_is_used(store):
    photo = put_photo(store, jpeg(scene(320, 240), modified="2026:02:01 08:00:00"))
    assert photo.taken_at == datetime(2026, 2, 1, 8, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("taken", [None, "0000:00:00 00:00:00", "    :  :     :  :  ", "garbage"])
def test_a_missing_or_garbled_exif_time_gives_no_taken_at(store, taken):
    assert put_photo(store, jpeg(scene(320, 240), taken=taken)).taken_at is None


@pytest.mark.parametrize("fmt, options, content_type, ext", [
    ("PNG", {}, "image/png", "png"),
    ("WEBP", {"quality": 80}, "image/webp", "webp"),
    ("GIF", {}, "image/gif", "gif"),
    ("BMP", {}, "image/bmp", "bmp"),
    ("TIFF", {"compression": "tiff_lzw"}, "image/tiff", "tif"),
])
def test_other_common_formats_are_accepted(store, fmt, options, content_type, ext):
    photo = put_photo(store, encoded(scene(300, 200), fmt, **options))
    assert (photo.content_type, photo.width, photo.height) == (content_type, 300, 200)
    assert download_extension(photo.original_path, photo.content_type, "bin") == ext
    assert len(photo.phash) == 16


def test_an_animated_gif_is_read_from_its_first_frame(store):
    frames = [scene(200, 150, seed) for seed in (1, 2, 3)]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    still = put_photo(store, encoded(frames[0], "GIF"))
    assert hamming(put_photo(store, data).phash, still.phash) <= 2


def test_a_phone_jpeg_with_a_second_picture_is_stored_as_a_jpeg(store):
    data = encoded(scene(400, 300), "MPO", save_all=True, append_images=[scene(400, 300, 2)])
    photo = put_photo(store, data, ".mpo")
    assert photo.content_type == "image/jpeg"
    assert download_extension(photo.original_path, photo.content_type, "bin") == "jpg"


# --- photos: perceptual hash -------------------------------------------------

def test_the_same_photo_re_encoded_keeps_a_close_perceptual_hash(store):
    img = scene(2400, 1800, seed=7)
    original = put_photo(store, jpeg(img, quality=95))
    copies = [
        jpeg(img.resize((1200, 900)), quality=60),
        jpeg(img.resize((640, 480)), quality=40),
        encoded(img.resize((1000, 750)), "PNG"),
        encoded(img.resize((800, 600)), "WEBP", quality=50),
    ]
    for data in copies:
        assert hamming(put_photo(store, data).phash, original.phash) <= 6


def test_different_photos_have_distant_perceptual_hashes(store):
    hashes = [put_photo(store, jpeg(scene(800, 600, seed))).phash for seed in (1, 2, 3, 4)]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1:]:
            assert hamming(a, b) > 12


def test_a_rotated_copy_with_orientation_matches_the_upright_photo(store):
    upright = scene(600, 800, seed=5)
    sideways = upright.transpose(Image.Transpose.ROTATE_90)   # what a phone sensor stores
    a = put_photo(store, jpeg(upright, quality=85))
    b = put_photo(store, jpeg(sideways, orientation=6, quality=85))
    assert hamming(a.phash, b.phash) <= 6


# --- photos: refused ---------------------------------------------------------

def test_a_truncated_jpeg_is_refused_with_a_chinese_reason(store):
    data = jpeg(scene(800, 600))
    with pytest.raises(Rejected) as refused:
        put_photo(store, data[: len(data) // 2])
    assert refused.value.reason == "图片文件已损坏或不完整，请重新发送原图"


def test_a_truncated_png_is_refused_as_damaged(store):
    data = encoded(scene(800, 600), "PNG")
    with pytest.raises(Rejected, match="损坏或不完整"):
        put_photo(store, data[: len(data) * 2 // 3])


def test_random_bytes_are_refused_as_not_a_picture(store):
    with pytest.raises(Rejected) as refused:
        put_photo(store, random.Random(3).randbytes(50_000))
    assert refused.value.reason.startswith("这不是图片文件")


def test_a_heic_photo_is_refused_asking_for_jpg(store):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)
    with pytest.raises(Rejected) as refused:
        put_photo(store, heic)
    assert "HEIC" in refused.value.reason and "JPG" in refused.value.reason


def test_a_photo_over_the_byte_limit_is_refused_before_decoding(tmp_path):
    store = FileStore(tmp_path, FileLimits(photo_max_bytes=100 * 1024))
    # Random bytes would be "not a picture" if decoded: the size check comes first.
    with pytest.raises(Rejected) as refused:
        put_photo(store, random.Random(1).randbytes(100 * 1024 + 1))
    assert refused.value.reason == "图片超过100KB，请压缩后重新发送"
    assert put_photo(store, jpeg(scene(200, 150))).size_bytes < 100 * 1024


def test_the_default_byte_limit_is_named_as_20mb(store):
    with pytest.raises(Rejected) as refused:
        put_photo(store, bytes(20 * 1024 * 1024 + 1))
    assert refused.value.reason == "图片超过20MB，请压缩后重新发送"


def test_a_51_megapixel_png_is_refused_from_its_header(store):
    data = black_png(8000, 6500)
    assert len(data) < 100_000
    with pytest.raises(Rejected) as refused:
        put_photo(store, data)
    assert refused.value.reason.startswith("图片像素超过5000万")
    assert "8000×6500" in refused.value.reason


@pytest.mark.parametrize("width, height", [(10_000, 10_000), (20_000, 10_000)])
def test_pillows_decompression_bomb_checks_become_a_refusal(store, width, height):
    # 100 MP draws Pillow's DecompressionBombWarning, 200 MP its DecompressionBombError;
    # pytest turns a leaked warning into a failure.
    with pytest.raises(Rejected, match="图片像素超过5000万"):
        put_photo(store, black_png(width, height))


def test_a_refused_photo_leaves_only_the_received_file_as_evidence(store):
    received = store.put_blob(b"not a photo", ".jpg")
    with pytest.raises(Rejected):
        store.put_photo(received)
    assert files_under(store.root) == [store.path(received)]
    assert store.read(received) == b"not a photo"


# --- raw blobs and paths -------------------------------------------------------

def test_a_blob_is_kept_as_is_before_any_check(store):
    rel = store.put_blob(b"whatever came in", ".heic")
    assert rel.startswith("incoming/") and rel.endswith(".heic")
    assert store.read(rel) == b"whatever came in"
    assert store.put_blob(b"whatever came in", ".heic") == rel


def test_the_same_bytes_with_another_suffix_are_the_file_already_kept(store):
    rel = store.put_blob(b"whatever came in", ".heic")
    assert store.put_blob(b"whatever came in") == rel
    assert store.put_blob(b"whatever came in", ".jpg") == rel
    assert files_under(store.root) == [store.path(rel)]


def test_bytes_received_again_count_as_just_received(store):
    rel = store.put_blob(b"whatever came in", ".jpg")
    os.utime(store.path(rel), (1_000_000_000, 1_000_000_000))   # 2001
    store.put_blob(b"whatever came in", ".jpg")
    assert not is_older(store.path(rel), 3600)


@pytest.mark.parametrize("suffix", ["/../x", "jpg", ".a/b", ".." + "x" * 20])
def test_a_blob_suffix_that_is_not_an_extension_is_refused(store, suffix):
    with pytest.raises(ValueError):
        store.put_blob(b"x", suffix)


@pytest.mark.parametrize("rel", ["../secret", "originals/../../secret", "/etc/passwd",
                                 "", ".", "originals\\..\\..\\secret"])
def test_paths_leading_out_of_the_store_are_refused(store, rel):
    with pytest.raises(ValueError):
        store.path(rel)


def test_a_symlink_leading_out_of_the_store_is_refused(store, tmp_path):
    (tmp_path / "outside.txt").write_text("secret")
    store.root.mkdir(parents=True)
    (store.root / "link").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(ValueError):
        store.read("link")


def test_a_stored_path_is_absolute_under_the_root(store):
    photo = put_photo(store, jpeg(scene(100, 100)))
    assert store.path(photo.original_path) == store.root / photo.original_path
    assert store.path(photo.original_path).is_absolute()


# --- documents -----------------------------------------------------------------

def read_text(store: FileStore, data: bytes, name: str) -> str:
    """Store a document, then read its text, as the handler and the worker do."""
    return store.document_text(put_document(store, data, name).path, name)


def test_document_names_are_recognised_by_extension():
    assert all(map(is_document_name, ["a.docx", "B.PDF", "小结.Txt"]))
    assert not any(map(is_document_name, ["a.doc", "a.jpg", "docx", "a.docx.exe"]))


def test_a_word_file_gives_its_paragraphs_and_table_cells(store):
    data = word(["三月份工作小结", "开展志愿服务活动3次。"],
                [["日期", "活动"], ["3月5日", "学雷锋志愿服务"]])
    document = put_document(store, data, "三月小结.docx")
    assert store.document_text(document.path, document.filename) == (
        "三月份工作小结\n开展志愿服务活动3次。\n日期\t活动\n3月5日\t学雷锋志愿服务")
    assert document.filename == "三月小结.docx"
    assert document.content_type.endswith("wordprocessingml.document")
    assert document.path == (f"incoming/{document.sha256[:2]}/{document.sha256[2:4]}/"
                             f"{document.sha256}.docx")
    assert store.read(document.path) == data


def test_a_pdf_gives_the_text_of_its_pages(store):
    document = put_document(store, TEXT_PDF, "March.PDF")
    assert store.document_text(document.path, "March.PDF") == "March: 3 volunteer activities"
    assert document.path.endswith(".pdf") and document.content_type == "application/pdf"


def test_a_pdf_without_text_is_refused_asking_for_text_or_photos(store):
    with pytest.raises(Rejected) as refused:
        read_text(store, pdf(b"0 0 m 100 100 l S"), "scan.pdf")
    assert "没有找到文字" in refused.value.reason and "照片" in refused.value.reason


def test_a_password_protected_pdf_is_refused(store):
    with pytest.raises(Rejected, match="密码"):
        read_text(store, encrypted(TEXT_PDF, user_password="1234"), "locked.pdf")


def test_a_pdf_locked_only_against_editing_is_read(store):
    assert read_text(store, encrypted(TEXT_PDF, user_password=""), "locked.pdf") == (
        "March: 3 volunteer activities")


@pytest.mark.parametrize("data", [b"%PDF-1.4\n garbage", TEXT_PDF[:200], b"hello"])
def test_a_broken_pdf_is_refused_as_damaged(store, data):
    with pytest.raises(Rejected, match="PDF 文件已损坏"):
        read_text(store, data, "broken.pdf")


def test_a_broken_word_file_is_refused_as_damaged(store):
    with pytest.raises(Rejected, match="Word 文件已损坏"):
        read_text(store, b"PK\x03\x04 not really a zip", "broken.docx")


@pytest.mark.parametrize("data", [
    "三月份开展活动两次".encode("utf-8"),
    "\ufeff三月份开展活动两次".encode("utf-8"),
    "三月份开展活动两次".encode("gb18030"),
    "三月份开展活动两次".encode("utf-16"),
])
def test_a_text_file_in_utf8_or_gb18030_is_read(store, data):
    assert read_text(store, data, "小结.txt") == "三月份开展活动两次"


def test_a_binary_file_named_txt_is_refused(store):
    with pytest.raises(Rejected, match="UTF-8"):
        read_text(store, b"\x00\x01\x02binary\x00", "data.txt")


@pytest.mark.parametrize("data", [b"", b"  \r\n\t ", word(["", " "])])
def test_a_document_without_text_is_refused(store, data):
    name = "empty.docx" if data.startswith(b"PK") else "empty.txt"
    with pytest.raises(Rejected, match="没有找到文字"):
        read_text(store, data, name)


@pytest.mark.parametrize("name", ["小结.doc", "小结.xlsx", "小结"])
def test_another_file_type_is_refused_naming_the_accepted_ones(store, name):
    with pytest.raises(Rejected) as refused:
        put_document(store, b"whatever", name)
    assert ".docx、.pdf、.txt" in refused.value.reason
    assert ".doc 请另存为 .docx" in refused.value.reason


def test_a_document_over_the_size_limit_is_refused(tmp_path):
    store = FileStore(tmp_path, FileLimits(document_max_bytes=1024 * 1024))
    with pytest.raises(Rejected, match="文件超过1MB"):
        put_document(store, b"a" * (1024 * 1024 + 1), "big.txt")


def test_storing_the_same_document_twice_keeps_one_file(store):
    first = put_document(store, TEXT_PDF, "a.pdf")
    second = put_document(store, TEXT_PDF, "b.pdf")
    assert first.path == second.path and first.filename != second.filename
    assert len(files_under(store.root)) == 1


def test_a_path_sent_as_the_filename_keeps_only_the_name(store):
    document = put_document(store, "内容".encode(), "C:\\Users\\x\\小结.txt")
    assert document.filename == "小结.txt"
