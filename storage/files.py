"""The file store: original photos and documents kept byte for byte, by SHA-256.

Layout under the root (all paths handed out are relative to it):
    originals/ab/cd/<sha256>.<ext>   photos as received (evidence, never altered)
    thumbs/ab/<sha256>.jpg           oriented RGB JPEG thumbnails
    documents/ab/cd/<sha256>.<ext>   documents as received
    incoming/ab/cd/<sha256><suffix>  raw downloads kept before any check
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

from storage.documents import (CONTENT_TYPES, DocumentLimits, check_document, extract_text,
                               is_document_name)
from storage.photos import Rejected, decode_photo, hamming

__all__ = ["DocumentLimits", "FileLimits", "FileStore", "Rejected", "StoredDocument",
           "StoredPhoto", "hamming", "is_document_name"]

_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,10})?")


@dataclass(frozen=True)
class FileLimits:
    """How big a file the store accepts, and how big a thumbnail it makes."""

    photo_max_bytes: int = 20 * 1024 * 1024
    photo_max_pixels: int = 50_000_000
    document_max_bytes: int = 20 * 1024 * 1024
    thumb_size: int = 480          # longest side of the thumbnail, px
    document: DocumentLimits = DocumentLimits()   # how much reading a document's text may take


@dataclass(frozen=True)
class StoredPhoto:
    """A photo kept in the store, with what was read from it."""

    sha256: str
    size_bytes: int
    content_type: str              # 'image/jpeg', 'image/png', 'image/webp', 'image/gif'...
    width: int                     # after EXIF orientation
    height: int
    taken_at: datetime | None      # EXIF time, aware, Asia/Shanghai; None if absent/garbled
    phash: str                     # 64-bit perceptual hash, 16 hex chars
    original_path: str             # 'originals/ab/cd/<sha256>.<ext>'
    thumb_path: str                # 'thumbs/ab/<sha256>.jpg'


@dataclass(frozen=True)
class StoredDocument:
    """A document kept in the store (its text is read later: `FileStore.document_text`)."""

    sha256: str
    size_bytes: int
    filename: str
    content_type: str
    path: str                      # 'documents/ab/cd/<sha256>.<ext>'


class FileStore:
    """A folder of content-addressed files; writing the same bytes twice is harmless."""

    def __init__(self, root: Path | str, limits: FileLimits = FileLimits()):
        self.root = Path(root).absolute()
        self.limits = limits

    def put_photo(self, data: bytes) -> StoredPhoto:
        """Check a photo, keep it and its thumbnail, and return what was stored.

        Raises:
            Rejected: the reason, in Chinese, for the liaison.
        """
        decoded = decode_photo(
            data, max_bytes=self.limits.photo_max_bytes,
            max_pixels=self.limits.photo_max_pixels, thumb_size=self.limits.thumb_size)
        sha = hashlib.sha256(data).hexdigest()
        original = f"originals/{sha[:2]}/{sha[2:4]}/{sha}.{decoded.extension}"
        thumb = f"thumbs/{sha[:2]}/{sha}.jpg"
        self._write(original, data)
        self._write(thumb, decoded.thumb_jpeg)
        return StoredPhoto(
            sha256=sha, size_bytes=len(data), content_type=decoded.content_type,
            width=decoded.width, height=decoded.height, taken_at=decoded.taken_at,
            phash=decoded.phash, original_path=original, thumb_path=thumb)

    def put_document(self, data: bytes, filename: str) -> StoredDocument:
        """Check a .docx, .pdf or .txt file's type and size, keep it, and return it.

        Its text is not read here: reading is the slow part, done after (`document_text`).

        Raises:
            Rejected: the reason, in Chinese, for the liaison.
        """
        kind = check_document(data, filename, max_bytes=self.limits.document_max_bytes)
        sha = hashlib.sha256(data).hexdigest()
        rel = f"documents/{sha[:2]}/{sha[2:4]}/{sha}{kind}"
        self._write(rel, data)
        return StoredDocument(
            sha256=sha, size_bytes=len(data), filename=PureWindowsPath(filename).name,
            content_type=CONTENT_TYPES[kind], path=rel)

    def document_text(self, rel: str, filename: str) -> str:
        """Read the text of a stored document, within the store's limits.

        Raises:
            Rejected: the reason, in Chinese, for the liaison (the file stays stored).
        """
        return extract_text(self.read(rel), filename, max_bytes=self.limits.document_max_bytes,
                            limits=self.limits.document)

    def put_blob(self, data: bytes, suffix: str = "") -> str:
        """Keep raw bytes as received, before any check, and return their relative path."""
        if not _SUFFIX.fullmatch(suffix):
            raise ValueError(f"a suffix is '' or like '.jpg', not {suffix!r}")
        sha = hashlib.sha256(data).hexdigest()
        rel = f"incoming/{sha[:2]}/{sha[2:4]}/{sha}{suffix}"
        self._write(rel, data)
        return rel

    def path(self, rel: str) -> Path:
        """Return the absolute path of a stored relative path.

        Raises:
            ValueError: an absolute path, a '..' part, or anything leading outside the root.
        """
        rel = os.fspath(rel)
        parts = PurePosixPath(rel).parts
        if (not rel or "\\" in rel or "\x00" in rel or PurePosixPath(rel).is_absolute()
                or ".." in parts or parts in ((), (".",))):
            raise ValueError(f"not a path inside the file store: {rel!r}")
        target = self.root.joinpath(*parts)
        if not target.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"not a path inside the file store: {rel!r}")
        return target

    def read(self, rel: str) -> bytes:
        """Return the bytes of a stored file."""
        return self.path(rel).read_bytes()

    def _write(self, rel: str, data: bytes) -> None:
        target = self.path(rel)
        if target.exists():
            return  # content-addressed and written atomically: already complete
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; the web process may read as another user
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
