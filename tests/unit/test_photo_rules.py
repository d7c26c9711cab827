"""Photo rules that need no disk: EXIF times, hashes, sizes, odd pictures, damaged bytes."""
from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from storage.photos import (DecodedPhoto, Rejected, decode_photo, hamming, parse_exif_time,
                            readable_size)

SHANGHAI = ZoneInfo("Asia/Shanghai")
LIMITS = {"max_bytes": 20 * 1024 * 1024, "max_pixels": 50_000_000, "thumb_size": 480}


def picture(mode: str = "RGB", size=(160, 120)) -> Image.Image:
    img = Image.new("RGB", size, (30, 90, 160))
    ImageDraw.Draw(img).ellipse((20, 10, 120, 100), fill=(240, 200, 40))
    return img.convert(mode)


def saved(img: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def thumbnail(decoded: DecodedPhoto) -> Image.Image:
    thumb = Image.open(io.BytesIO(decoded.thumb_jpeg))
    thumb.load()
    return thumb


@pytest.mark.parametrize("value, offset, expected", [
    ("2026:03:14 09:30:05", None, datetime(2026, 3, 14, 9, 30, 5, tzinfo=SHANGHAI)),
    (b"2026:03:14 09:30:05\x00", None, datetime(2026, 3, 14, 9, 30, 5, tzinfo=SHANGHAI)),
    ("2026-03-14 09:30:05", None, datetime(2026, 3, 14, 9, 30, 5, tzinfo=SHANGHAI)),
    ("2026:03:14 09:30:05", "+08:00", datetime(2026, 3, 14, 9, 30, 5, tzinfo=SHANGHAI)),
    ("2026:03:14 03:30:05", "+02:00", datetime(2026, 3, 14, 9, 30, 5, tzinfo=SHANGHAI)),
    ("2026:03:13 20:30:05", "-05:00", datetime(2026, 3, 14, 9, 30, 5, tzinfo=SHANGHAI)),
    ("2026:03:14 09:30:05", "garbage", datetime(2026, 3, 14, 9, 30, 5, tzinfo=SHANGHAI)),
])
def test_an_exif_time_is_read_as_shanghai_time(value, offset, expected):
    taken = parse_exif_time(value, offset)
    assert taken == expected and taken.tzinfo == SHANGHAI


@pytest.mark.parametrize("value", [None, "", "0000:00:00 00:00:00", "2026:02:30 10:00:00",
                                   "2026:03:14 25:00:00", "    :  :     :  :  ", 12345,
                                   ("2026:03:14 09:30:05",)])
def test_a_missing_or_garbled_exif_time_is_none(value):
    assert parse_exif_time(value) is None


def test_hamming_counts_differing_bits():
    assert hamming("0000000000000000", "0000000000000000") == 0
    assert hamming("ffffffffffffffff", "0000000000000000") == 64
    assert hamming("8000000000000001", "0000000000000000") == 2
    with pytest.raises(ValueError):
        hamming("00", "0000")


@pytest.mark.parametrize("limit, shown", [
    (20 * 1024 * 1024, "20MB"), (1536 * 1024, "1.5MB"), (100 * 1024, "100KB"), (10, "1KB"),
])
def test_a_byte_limit_is_shown_as_a_person_reads_it(limit, shown):
    assert readable_size(limit) == shown


@pytest.mark.parametrize("img, fmt, options", [
    (picture("L"), "JPEG", {}),
    (picture("CMYK"), "JPEG", {}),
    (picture("1"), "PNG", {}),
    (picture("P"), "PNG", {"transparency": 0}),
    (picture("LA"), "PNG", {}),
    (picture("RGBA"), "WEBP", {"lossless": True}),
    (picture("L").point(lambda v: v * 256).convert("I;16"), "PNG", {}),
    (picture("RGB"), "TIFF", {"compression": "jpeg"}),
    (picture("RGB").convert("LAB"), "TIFF", {}),
    (picture("RGBA"), "TIFF", {}),
    (picture("RGB"), "MPO", {"save_all": True, "append_images": [picture("L").convert("RGB")]}),
])
def test_pictures_of_any_common_mode_give_an_rgb_thumbnail(img, fmt, options):
    decoded = decode_photo(saved(img, fmt, **options), **LIMITS)
    thumb = thumbnail(decoded)
    assert (thumb.mode, thumb.size) == ("RGB", (160, 120))
    assert (decoded.width, decoded.height) == (160, 120)
    assert decoded.content_type == {"MPO": "image/jpeg"}.get(fmt, f"image/{fmt.lower()}")


def test_sixteen_bit_grey_is_scaled_not_clipped_to_white():
    grey = Image.new("I;16", (64, 64), 128 * 256)
    red, green, blue = thumbnail(decode_photo(saved(grey, "PNG"), **LIMITS)).getpixel((32, 32))
    assert 120 <= red <= 136 and red == green == blue


def test_transparency_is_flattened_on_white():
    clear = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    assert min(thumbnail(decode_photo(saved(clear, "PNG"), **LIMITS)).getpixel((32, 32))) > 245


@pytest.mark.parametrize("orientation, size", [(1, (400, 300)), (3, (400, 300)),
                                               (5, (300, 400)), (8, (300, 400))])
def test_orientations_five_to_eight_swap_width_and_height(orientation, size):
    exif = Image.Exif()
    exif[0x0112] = orientation
    decoded = decode_photo(saved(picture(size=(400, 300)), "JPEG", exif=exif), **LIMITS)
    assert (decoded.width, decoded.height) == size == thumbnail(decoded).size


def test_a_large_jpeg_is_decoded_at_thumbnail_scale():
    decoded = decode_photo(saved(picture(size=(4000, 3000)), "JPEG"), **LIMITS)
    assert (decoded.width, decoded.height) == (4000, 3000)
    assert thumbnail(decoded).size == (480, 360)


SAMPLES = [saved(picture(), "JPEG", quality=80), saved(picture(), "PNG"),
           saved(picture("P"), "GIF"), saved(picture(), "WEBP"), saved(picture(), "TIFF")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=st.sampled_from(SAMPLES),
       edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                      min_size=1, max_size=8),
       cut=st.floats(0.05, 1))
def test_damaged_pictures_are_either_read_or_refused_never_crash(sample, edits, cut):
    data = bytearray(sample)
    for where, value in edits:
        data[int(where * len(data))] = value
    data = bytes(data[: max(1, int(len(data) * cut))])
    try:
        decoded = decode_photo(data, **LIMITS)
    except Rejected as refused:
        assert refused.reason
    else:
        assert len(decoded.phash) == 16 and thumbnail(decoded).mode == "RGB"
