"""Walk the file store against the database: what is on disk that no row names (orphans),
what rows name that is not on disk (missing), and which files no longer hash to the
SHA-256 they are named by (corrupt); `repair` removes old orphans and makes missing
thumbnails again.

The folders walked are the store's own (storage/files.py, and originals/ and documents/
of stores written before issue 17); anything else under the root (admin_secret_key
with PostgreSQL) is not the store's and is left alone.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import queries
from storage.files import RECEIVED, THUMBS, FileStore, Rejected, is_older, sha_of
from storage.models import InboundMessage, RejectedFile, StoredFile

LEGACY = ("originals", "documents")   # second copies of accepted files, before issue 17
CONTENT_AREAS = (RECEIVED, *LEGACY)   # files named by their own SHA-256
AREAS = (*CONTENT_AREAS, THUMBS)
ORPHAN_AGE_SECONDS = 24 * 3600        # younger orphans may be a message being stored
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Reference:
    """A row that names a stored file: what it is and its id."""

    kind: str      # 'original' (files.path), 'thumbnail' (files.thumb_path),
    row_id: int    # 'received' (inbound_messages.blob_path), 'rejected' (rejected_files.path)


@dataclass
class Report:
    """What a walk of the store found."""

    files: int = 0                  # files on disk in the store's folders
    size: int = 0                   # their bytes
    orphans: list[str] = field(default_factory=list)
    missing: list[tuple[Reference, str]] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.missing or self.corrupt)


@dataclass
class Repairs:
    """What `repair` did."""

    removed: list[str] = field(default_factory=list)             # orphans removed
    kept_young: list[str] = field(default_factory=list)          # orphans left: too young
    thumbnails: list[str] = field(default_factory=list)          # thumbnails made again
    unrepairable: list[tuple[Reference, str]] = field(default_factory=list)


def on_disk(files: FileStore) -> dict[str, int]:
    """Every file in the store's folders: relative path -> size (symlinks not followed)."""
    found = {}
    for area in AREAS:
        top = files.root / area
        for folder, dirs, names in os.walk(top):
            dirs.sort()
            for name in sorted(names):
                full = os.path.join(folder, name)
                if os.path.isfile(full) and not os.path.islink(full):
                    found[os.path.relpath(full, files.root).replace(os.sep, "/")] = (
                        os.path.getsize(full))
    return found


def references(session: Session) -> dict[str, list[Reference]]:
    """Every stored path a row names -> the rows naming it. The received file of a refusal
    whose retention ended (removed on purpose) is not counted as named."""
    named: dict[str, list[Reference]] = {}

    def add(path, kind, row_id):
        if path:
            named.setdefault(path, []).append(Reference(kind, row_id))

    for row_id, path, thumb in session.execute(
            select(StoredFile.id, StoredFile.path, StoredFile.thumb_path)):
        add(path, "original", row_id)
        add(thumb, "thumbnail", row_id)
    expired = select(RejectedFile.inbound_id).where(RejectedFile.removed_at.is_not(None))
    for row_id, path in session.execute(
            select(InboundMessage.id, InboundMessage.blob_path).where(
                InboundMessage.blob_path.is_not(None), InboundMessage.id.not_in(expired))):
        add(path, "received", row_id)
    for row_id, path in session.execute(select(RejectedFile.id, RejectedFile.path).where(
            RejectedFile.removed_at.is_(None))):
        add(path, "rejected", row_id)
    return named


def check(session: Session, files: FileStore, progress: Progress | None = None,
          found: dict[str, int] | None = None) -> Report:
    """Walk the store (`found`: a walk already made) against the rows; `progress(n)`
    after every n bytes hashed."""
    found = on_disk(files) if found is None else found
    named = references(session)
    report = Report(files=len(found), size=sum(found.values()))
    report.orphans = [rel for rel in found if rel not in named]
    report.missing = [(ref, rel) for rel, refs in sorted(named.items()) if rel not in found
                      for ref in refs]
    for rel in found:
        sha = sha_of(rel)
        if rel.split("/", 1)[0] in CONTENT_AREAS and sha is not None:
            if files.sha256(rel, progress) != sha:
                report.corrupt.append(rel)
        elif progress is not None:
            progress(found[rel])
    return report


def repair(session: Session, files: FileStore, report: Report, now: datetime,
           actor: str) -> Repairs:
    """Remove the orphans older than a day, make missing thumbnails again from intact
    originals, and audit what was done (the caller commits)."""
    done = Repairs()
    for rel in report.orphans:
        path = files.path(rel)
        if is_older(path, ORPHAN_AGE_SECONDS):
            path.unlink(missing_ok=True)
            done.removed.append(rel)
        else:
            done.kept_young.append(rel)
    corrupt = set(report.corrupt)
    for ref, rel in report.missing:
        if ref.kind != "thumbnail":
            done.unrepairable.append((ref, rel))
            continue
        row = session.get(StoredFile, ref.row_id)
        if row.path in corrupt or not files.path(row.path).is_file():
            done.unrepairable.append((ref, rel))
            continue
        try:
            row.thumb_path = files.remake_thumbnail(row.path)
        except Rejected:
            done.unrepairable.append((ref, rel))
            continue
        done.thumbnails.append(row.thumb_path)
    if done.removed or done.thumbnails:
        queries.audit(session, now, actor, "repair", "file_store", None, None,
                      {"orphans_removed": done.removed, "thumbnails_made": done.thumbnails})
    return done

