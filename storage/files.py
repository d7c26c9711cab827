"""The file store: every photo and document received, kept once, byte for byte, by SHA-256.

Layout under the root (all paths handed out are relative to it):
    incoming/ab/cd/<sha256><suffix>  every file as received: the one copy of its bytes
    thumbs/ab/<sha256>.jpg           oriented RGB JPEG thumbnails, the only derived files

A file is written once, when it arrives (`put_blob`), before any check, and the
inbound message's row names it (inbound_messages.blob_path). Accepting it
(`put_photo`, `put_document`) copies, moves and links nothing: the stored original of
an accepted photo or document is the received file itself, named by the same path in
its row (files.path). So no file moves while the message's transaction may still roll
back, a retry finds the file where it was, and a backup copies it once. The same bytes
are one file, whatever suffix they came with (the first one's name stays). A refused
file stays where it is, as evidence the office can download, and its rejected_files
row names it until `[files] keep_rejected_days` have passed (bot/rejected_files.py).

Stores written before kept an accepted photo a second time under originals/ and a
document under documents/: `python -m bot files migrate` makes them single copies
(storage/store_migration.py); `python -m bot files check` walks the store against the
database (storage/store_check.py).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

from storage.documents import (CONTENT_TYPES, DocumentLimits, check_document, extract_text,
                               is_document_name)
from storage.photos import Rejected, decode_photo, extension_for, hamming

__all__ = ["DocumentLimits", "FileLimits", "FileStore", "Rejected", "StoredDocument",
           "StoredPhoto", "download_extension", "hamming", "is_document_name"]

_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,10})?")
# A content-addressed file's name: its SHA-256 and the suffix it came with.
CONTENT_NAME = re.compile(r"(?P<sha>[0-9a-f]{64})(?P<suffix>\.[A-Za-z0-9]{1,10})?")
RECEIVED = "incoming"       # the folder of received files
THUMBS = "thumbs"
HASH_CHUNK = 1024 * 1024


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
    original_path: str             # the received file: 'incoming/ab/cd/<sha256><suffix>'
    thumb_path: str                # 'thumbs/ab/<sha256>.jpg'


@dataclass(frozen=True)
class StoredDocument:
    """A document kept in the store (its text is read later: `FileStore.document_text`)."""

    sha256: str
    size_bytes: int
    filename: str
    content_type: str
    path: str                      # the received file: 'incoming/ab/cd/<sha256><suffix>'


class FileStore:
    """A folder of content-addressed files; writing the same bytes twice is harmless."""

    def __init__(self, root: Path | str, limits: FileLimits = FileLimits()):
        self.root = Path(root).absolute()
        self.limits = limits

    def put_photo(self, rel: str) -> StoredPhoto:
        """Check a received photo (`put_blob`'s path), make its thumbnail, and return what
        was stored: its original is the received file itself.

        Raises:
            Rejected: the reason, in Chinese, for the liaison (the file stays as evidence).
        """
        data = self.read(rel)
        decoded = self._decoded(data)
        sha = hashlib.sha256(data).hexdigest()
        thumb = thumb_path(sha)
        self._write(thumb, decoded.thumb_jpeg)
        return StoredPhoto(
            sha256=sha, size_bytes=len(data), content_type=decoded.content_type,
            width=decoded.width, height=decoded.height, taken_at=decoded.taken_at,
            phash=decoded.phash, original_path=rel, thumb_path=thumb)

    def put_document(self, rel: str, filename: str) -> StoredDocument:
        """Check a received document's type and size, and return it: its stored original
        is the received file (`put_blob`'s path) itself.

        Its text is not read here: reading is the slow part, done after (`document_text`).

        Raises:
            Rejected: the reason, in Chinese, for the liaison (the file stays as evidence).
        """
        data = self.read(rel)
        kind = check_document(data, filename, max_bytes=self.limits.document_max_bytes)
        return StoredDocument(
            sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
            filename=PureWindowsPath(filename).name, content_type=CONTENT_TYPES[kind],
            path=rel)

    def remake_thumbnail(self, rel: str) -> str:
        """Make a stored photo's thumbnail again from its original; return its path.

        Raises:
            Rejected: the original is no photo the store accepts (any more).
        """
        data = self.read(rel)
        thumb = thumb_path(hashlib.sha256(data).hexdigest())
        self._write(thumb, self._decoded(data).thumb_jpeg)
        return thumb

    def document_text(self, rel: str, filename: str) -> str:
        """Read the text of a stored document, within the store's limits.

        Raises:
            Rejected: the reason, in Chinese, for the liaison (the file stays stored).
        """
        return extract_text(self.read(rel), filename, max_bytes=self.limits.document_max_bytes,
                            limits=self.limits.document)

    def put_blob(self, data: bytes, suffix: str = "") -> str:
        """Keep raw bytes as received, before any check, and return their relative path.

        Bytes already kept (under any suffix) are not written again: their path is
        returned, and the file counts as just received (its time is renewed, so that
        the sweeps of expired and orphaned files leave it alone).
        """
        if not _SUFFIX.fullmatch(suffix):
            raise ValueError(f"a suffix is '' or like '.jpg', not {suffix!r}")
        sha = hashlib.sha256(data).hexdigest()
        folder = f"{RECEIVED}/{sha[:2]}/{sha[2:4]}"
        kept = self._kept(folder, sha)
        if kept is not None:
            return kept
        rel = f"{folder}/{sha}{suffix}"
        self._write(rel, data)
        return rel

    def received_path(self, sha: str, suffix: str = "") -> str:
        """Where `put_blob` keeps bytes of this SHA-256 that came with this suffix."""
        return f"{RECEIVED}/{sha[:2]}/{sha[2:4]}/{sha}{suffix}"

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

    def link(self, source: str, target: str) -> None:
        """Give a stored file a second path: a hard link (a copy where links fail)."""
        if self.path(target).exists():
            return
        self.path(target).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.path(source), self.path(target))
        except FileExistsError:
            return
        except OSError:   # another file system, or links not allowed
            self._write(target, self.read(source))

    def sha256(self, rel: str, progress=None) -> str:
        """The SHA-256 of a stored file, read in chunks (`progress(n)` after each)."""
        digest = hashlib.sha256()
        with self.path(rel).open("rb") as stream:
            while chunk := stream.read(HASH_CHUNK):
                digest.update(chunk)
                if progress is not None:
                    progress(len(chunk))
        return digest.hexdigest()

    def _decoded(self, data: bytes):
        return decode_photo(data, max_bytes=self.limits.photo_max_bytes,
                            max_pixels=self.limits.photo_max_pixels,
                            thumb_size=self.limits.thumb_size)

    def _kept(self, folder: str, sha: str) -> str | None:
        """The path of a received file of this SHA-256, if one is kept (renewed)."""
        try:
            names = os.listdir(self.path(folder))
        except FileNotFoundError:
            return None
        for name in sorted(names):
            match = CONTENT_NAME.fullmatch(name)
            if match and match["sha"] == sha:
                rel = f"{folder}/{name}"
                try:
                    os.utime(self.path(rel))
                except PermissionError:   # another process's file: kept all the same
                    pass
                return rel
        return None

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


def download_extension(rel: str, content_type: str, default: str) -> str:
    """The extension to name a stored file with when it is handed out ('jpg'): a photo's
    by its content type, else the suffix it was received with, else `default`."""
    suffix = PurePosixPath(rel).suffix.lstrip(".").lower()
    return extension_for(content_type) or suffix or default


def thumb_path(sha: str) -> str:
    """Where the thumbnail of the photo with this SHA-256 is kept."""
    return f"{THUMBS}/{sha[:2]}/{sha}.jpg"


def sha_of(rel: str) -> str | None:
    """The SHA-256 a content-addressed path is named by, or None."""
    match = CONTENT_NAME.fullmatch(PurePosixPath(rel).name)
    return match["sha"] if match else None


def is_older(path: Path, seconds: float) -> bool:
    """True when the file was last written (or received again) more than `seconds` ago."""
    return time.time() - path.stat().st_mtime > seconds
