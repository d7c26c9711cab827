"""The one way a member goes into an evidence pack's zip: what is compressed already is
stored, the rest deflated; copied in chunks (never whole in memory); stamped in
Shanghai time.

A photo, a PDF, a .docx or .xlsx (a zip itself) gains nothing from deflating and costs
the CPU time of reading it twice over: `compression` stores them (ZIP_STORED), by the
member's extension. Files are copied from the store through `ZipFile.open(info, "w")`,
1 MB at a time (`shutil.copyfileobj`, or one buffer read into again and again for a pack
of thousands), so a pack of gigabytes needs no more memory than a member's chunk; the archive itself is written to a file by the caller (zipfile's
documented API: ZIP64 when it passes 4 GB).

A zip entry holds a local date and time without a zone: every entry is stamped with the
instant given (a message's receipt, the time the pack was made) as Asia/Shanghai reads
it, which is what the office's computers show; zip can hold 1980 to 2107 only.
"""
from __future__ import annotations

import os
import shutil
import zipfile
from datetime import datetime
from pathlib import Path, PurePosixPath

from scoring import local

ZIP_EPOCH, ZIP_END = datetime(1980, 1, 1), datetime(2107, 12, 31, 23, 59, 58)
CHUNK = 1024 * 1024
# Formats that are compressed inside already: images, office files and archives, PDF, media.
COMPRESSED = frozenset({
    "jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "avif",
    "docx", "xlsx", "pptx", "odt", "ods", "odp", "pdf",
    "zip", "gz", "tgz", "bz2", "xz", "7z", "rar", "zst",
    "mp3", "mp4", "m4a", "mov", "aac", "amr", "silk",
})


def compression(name: str) -> int:
    """ZIP_STORED for a member compressed already (by its extension), else ZIP_DEFLATED."""
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    return zipfile.ZIP_STORED if extension in COMPRESSED else zipfile.ZIP_DEFLATED


def zip_time(t: datetime) -> tuple[int, int, int, int, int, int]:
    """An aware instant as a zip entry's date and time: Shanghai's, within zip's range."""
    return min(max(local(t).replace(tzinfo=None), ZIP_EPOCH), ZIP_END).timetuple()[:6]


def member(name: str, when: datetime, size: int | None = None) -> zipfile.ZipInfo:
    """A zip entry's header: its name, Shanghai time, compression and (if known) size."""
    info = zipfile.ZipInfo(name, date_time=zip_time(when))
    info.compress_type = compression(name)
    info.external_attr = 0o644 << 16
    if size is not None:
        info.file_size = size   # lets zipfile choose ZIP64 for the entry before writing it
    return info


def add_file(zf: zipfile.ZipFile, name: str, source: Path, when: datetime,
             buffer: bytearray | None = None) -> None:
    """Copy a file into the zip in chunks (through `buffer`, reused from one member to
    the next: no fresh megabyte of memory per chunk). Raises OSError when it can't be
    read (the caller lists it as missing); nothing of it is written then."""
    with open(source, "rb", buffering=0) as src:
        size = os.fstat(src.fileno()).st_size
        with zf.open(member(name, when, size), "w") as dst:
            if buffer is None:
                shutil.copyfileobj(src, dst, CHUNK)
                return
            view = memoryview(buffer)
            while n := src.readinto(buffer):
                dst.write(view[:n])


def add_bytes(zf: zipfile.ZipFile, name: str, data: bytes, when: datetime) -> None:
    """A small member made here (a text, a sheet) into the zip."""
    zf.writestr(member(name, when), data)
