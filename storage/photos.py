"""Check an incoming photo and derive what the office needs from it, without disk.

Decoding happens at thumbnail scale where the format allows it (JPEG draft mode),
so a 12-megapixel phone photo costs a fraction of a full decode.
"""
from __future__ import annotations

import io
import re
import struct
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import imagehash
from PIL import ExifTags, Image, UnidentifiedImageError

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Pillow format id -> (content type, file extension). Pillow's JPEG reader names a
# phone JPEG that carries a second picture (depth map, preview) MPO; it is a JPEG.
_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
    "BMP": ("image/bmp", "bmp"),
    "TIFF": ("image/tiff", "tif"),
}
_READERS = ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"]
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM",
          b"II*\x00", b"MM\x00*")
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1",
                b"msf1", b"avif", b"avis"}
# What malformed input makes Pillow's decoders raise besides OSError.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error,
                  IndexError, KeyError, TypeError, ZeroDivisionError)
# Same table as ImageOps.exif_transpose, applied directly: re-serialising the EXIF
# block, as exif_transpose does, fails on some cameras' odd EXIF.
_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}
_EXIF_DATE = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


class Rejected(Exception):
    """A file refused; .reason is a plain Chinese sentence telling the liaison why and what to do."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DecodedPhoto:
    """What a photo's bytes say about it; the thumbnail is an RGB JPEG."""

    content_type: str
    extension: str
    width: int
    height: int
    taken_at: datetime | None
    phash: str
    thumb_jpeg: bytes


def extension_for(content_type: str) -> str | None:
    """The extension a photo of this content type is named with ('jpg'), or None: a
    received file keeps the suffix it came with, which may be none or another."""
    return next((ext for ctype, ext in _FORMATS.values() if ctype == content_type), None)


def readable_size(limit: int) -> str:
    """Return a byte limit as a person reads it: '20MB', '1.5MB', '100KB'."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.1f}".removesuffix(".0") + "MB"
    return f"{max(1, round(limit / 1024))}KB"


def decode_photo(data: bytes, *, max_bytes: int, max_pixels: int,
                 thumb_size: int) -> DecodedPhoto:
    """Check a photo and return its facts and thumbnail.

    Raises:
        Rejected: too big, not an image, HEIC, corrupt or truncated, too many pixels.
    """
    if len(data) > max_bytes:
        raise Rejected(f"图片超过{readable_size(max_bytes)}，请压缩后重新发送")
    if _is_heif(data):
        raise Rejected("暂不支持HEIC格式的照片（苹果手机默认格式），"
                       "请转成JPG后重新发送，或在相机设置里选择“兼容性最佳”")
    # Pillow warns about bad EXIF and big images; both are handled here, so those
    # warnings must not reach the caller (or fail a test run with warnings as errors).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
        with _open(data, max_pixels) as img:
            return _decode(img, max_pixels, thumb_size)


def hamming(a: str, b: str) -> int:
    """Return how many bits differ between two perceptual hashes (hex strings)."""
    if len(a) != len(b):
        raise ValueError(f"hashes of different lengths: {a!r}, {b!r}")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _is_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def _open(data: bytes, max_pixels: int) -> Image.Image:
    Image.init()  # with an explicit format list Pillow does not load its plugins itself
    try:
        return Image.open(io.BytesIO(data), formats=_READERS)
    except Image.DecompressionBombError:
        raise Rejected(_too_many_pixels(max_pixels)) from None
    except (UnidentifiedImageError, *_DECODE_ERRORS):
        if data.startswith(_MAGIC) or data[8:12] == b"WEBP":
            raise Rejected("图片文件已损坏或不完整，请重新发送原图") from None
        raise Rejected("这不是图片文件或格式不支持，请发送JPG、PNG格式的照片") from None


def _decode(img: Image.Image, max_pixels: int, thumb_size: int) -> DecodedPhoto:
    width, height = img.size
    if width * height > max_pixels:
        raise Rejected(_too_many_pixels(max_pixels, f"（这张是{width}×{height}）"))
    content_type, extension = _FORMATS[img.format]
    if img.format in ("JPEG", "MPO"):
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale, as long as the longest side
        # still covers the thumbnail.
        longest = max(width, height)
        img.draft("RGB", (-(-thumb_size * width // longest), -(-thumb_size * height // longest)))
    try:
        img.load()
    except _DECODE_ERRORS:
        raise Rejected("图片文件已损坏或不完整，请重新发送原图") from None
    exif = _exif(img)
    orientation = exif.get(ExifTags.Base.Orientation, 1) if exif else 1
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    thumb = _thumbnail(img, orientation, thumb_size)
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=85)
    return DecodedPhoto(
        content_type=content_type, extension=extension, width=width, height=height,
        taken_at=_taken_at(exif) if exif else None,
        phash=str(imagehash.phash(thumb)), thumb_jpeg=out.getvalue())


def _too_many_pixels(max_pixels: int, detail: str = "") -> str:
    return f"图片像素超过{max_pixels / 10_000:g}万{detail}，请缩小后重新发送"


def _exif(img: Image.Image) -> Image.Exif | None:
    # Garbled EXIF is common (edited photos, cheap cameras); the picture still counts.
    try:
        return img.getexif()
    except _DECODE_ERRORS:
        return None


def _thumbnail(img: Image.Image, orientation: int, thumb_size: int) -> Image.Image:
    thumb = _resamplable(img)
    thumb.thumbnail((thumb_size, thumb_size))
    thumb = _to_rgb(thumb)
    for method in _TRANSPOSE.get(orientation, ()):
        thumb = thumb.transpose(method)
    return thumb


def _resamplable(img: Image.Image) -> Image.Image:
    # Pillow shrinks 1-bit and palette images by nearest neighbour, and some modes
    # not at all: give it grey levels or colours first. 16-bit grey becomes 32-bit.
    if img.mode in ("L", "LA", "RGB", "RGBA", "RGBX", "CMYK", "I", "F"):
        return img
    if img.mode.startswith("I;16"):
        return img.convert("I")
    if img.mode == "1":
        return img.convert("L")
    try:
        return img.convert("RGBA" if "transparency" in img.info or "A" in img.mode
                           else "RGB")
    except ValueError:
        raise Rejected("图片的色彩格式特殊，无法处理，请转成JPG后重新发送") from None


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("I", "F"):
        # 16-bit grey (PNG, TIFF): scale to 8 bits rather than clip to white.
        img = img.point(lambda v: v / 256).convert("L")
    if img.mode in ("LA", "RGBA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img if img.mode == "RGB" else img.convert("RGB")


def _taken_at(exif: Image.Exif) -> datetime | None:
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
    except _DECODE_ERRORS:
        sub = {}
    for date_tag, offset_tag, where in (
        (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal, sub),
        (ExifTags.Base.DateTime, ExifTags.Base.OffsetTime, exif),
    ):
        taken = parse_exif_time(where.get(date_tag), sub.get(offset_tag))
        if taken is not None:
            return taken
    return None


def parse_exif_time(value: object, offset: object = None) -> datetime | None:
    """Return an EXIF date ('2026:03:14 09:30:00') as an Asia/Shanghai time, or None.

    The EXIF time is the camera's local time; with an offset tag ('+08:00') it is
    read at that offset, otherwise as Shanghai local time.
    """
    match = _EXIF_DATE.match(_text(value))
    if not match:
        return None
    try:
        naive = datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    zone = _offset(_text(offset))
    if zone is None:
        return naive.replace(tzinfo=SHANGHAI)
    return naive.replace(tzinfo=zone).astimezone(SHANGHAI)


def _offset(text: str) -> timezone | None:
    match = _EXIF_OFFSET.match(text)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta >= timedelta(hours=24):
        return None
    return timezone(-delta if sign == "-" else delta)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return ""
    return value.strip("\x00 \t\r\n")
