"""Turn a store written before issue 17 into single copies, without losing a byte.

Before, every received file was kept under incoming/ (inbound_messages.blob_path) and
an accepted photo again under originals/ab/cd/<sha256>.<ext>, a document under
documents/ab/cd/<sha256><ext> (files.path); the same bytes sent with two suffixes were
two files in incoming/ too. Now one file per SHA-256 is kept, in incoming/
(storage/files.py):

- the copy kept is one in incoming/ that still hashes to its name, else an intact copy
  elsewhere, linked into incoming/ first (a hard link; a copy where links fail);
- every row naming another copy of the same bytes (files.path, inbound_messages.
  blob_path, rejected_files.path), or naming a copy gone missing, is pointed at it;
- only once that is committed are the other intact copies removed, and the emptied
  folders of originals/ and documents/.

A copy that no longer hashes to its name is left where it is, and so are its rows
(`files check` reports it). Run again, it finds nothing to do; cut off midway, the next
run finishes the job (a copy goes only once no row names it). `plan` changes nothing:
it is the dry run.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage import queries
from storage.files import CONTENT_NAME, RECEIVED, FileStore, sha_of
from storage.models import InboundMessage, RejectedFile, StoredFile
from storage.store_check import CONTENT_AREAS, LEGACY, Progress, Reference, on_disk, references

BATCH = 200
_TABLES = {"original": (StoredFile, "path"), "received": (InboundMessage, "blob_path"),
           "rejected": (RejectedFile, "path")}


@dataclass
class Step:
    """What becomes of one content's copies."""

    sha: str
    keeper: str                                  # the one copy kept, in incoming/
    source: str | None                           # linked into keeper first, if not there
    duplicates: list[str]                        # intact copies removed after
    rows: list[Reference]                        # rows pointed at keeper
    freed: int                                   # bytes the duplicates take


@dataclass
class Survey:
    """The contents that may need work: sha -> their copies on disk, and the rows."""

    groups: dict[str, list[str]]
    sizes: dict[str, int]
    named: dict[str, list[tuple[str, Reference]]]   # sha -> (path, row) of every row

    @property
    def to_hash(self) -> int:
        """Bytes `plan` reads to tell intact copies from corrupt ones."""
        return sum(self.sizes[p] for paths in self.groups.values() for p in paths)


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)   # copies left alone: bytes changed
    blocked: list[str] = field(default_factory=list)   # contents with no intact copy to keep

    @property
    def freed(self) -> int:
        return sum(s.freed for s in self.steps)

    @property
    def removed(self) -> int:
        return sum(len(s.duplicates) for s in self.steps)

    @property
    def rows(self) -> int:
        return sum(len(s.rows) for s in self.steps)


def legacy_rows(session: Session) -> int:
    """How many files rows still name a second copy (originals/, documents/): >0 means
    the store wants `python -m bot files migrate`."""
    return session.scalar(select(func.count()).select_from(StoredFile).where(
        StoredFile.path.like(f"{LEGACY[0]}/%") | StoredFile.path.like(f"{LEGACY[1]}/%")))


def survey(session: Session, files: FileStore) -> Survey:
    """Group the content-addressed copies by SHA-256; keep the groups with work to do."""
    found = {rel: size for rel, size in on_disk(files).items()
             if rel.split("/", 1)[0] in CONTENT_AREAS and sha_of(rel)}
    copies: dict[str, list[str]] = {}
    for rel in found:
        copies.setdefault(sha_of(rel), []).append(rel)
    named: dict[str, list[tuple[str, Reference]]] = {}
    for path, refs in references(session).items():
        sha = sha_of(path)
        for ref in refs:
            if sha and ref.kind in _TABLES:
                named.setdefault(sha, []).append((path, ref))
    groups = {}
    for sha, paths in copies.items():
        settled = (len(paths) == 1 and _received(paths[0])
                   and all(path == paths[0] for path, _ in named.get(sha, [])))
        if not settled:
            groups[sha] = sorted(paths, key=lambda p: (not _received(p), p))
    return Survey(groups=groups, sizes=found, named=named)


def plan(files: FileStore, found: Survey, progress: Progress | None = None) -> Plan:
    """What `apply` would do (reads every copy of the contents with work to do)."""
    result = Plan()
    for sha, paths in sorted(found.groups.items()):
        intact = []
        for rel in paths:
            (intact if files.sha256(rel, progress) == sha else result.corrupt).append(rel)
        if not intact:
            result.blocked.append(sha)
            continue
        keeper, source = intact[0], None
        if not _received(keeper):
            source = keeper
            keeper = files.received_path(sha, CONTENT_NAME.fullmatch(
                PurePosixPath(source).name)["suffix"] or "")
            if keeper in found.sizes:   # a corrupt copy holds the name: leave it all
                result.blocked.append(sha)
                continue
        duplicates = [rel for rel in intact if rel != keeper]
        rows = [ref for path, ref in found.named.get(sha, []) if path != keeper]
        result.steps.append(Step(sha, keeper, source, duplicates, rows,
                                 sum(found.sizes[rel] for rel in duplicates)))
    return result


def apply(session: Session, files: FileStore, todo: Plan, now: datetime, actor: str) -> None:
    """Carry a plan out: link, point the rows, commit, then remove the other copies."""
    for start in range(0, len(todo.steps), BATCH):
        batch = todo.steps[start:start + BATCH]
        for step in batch:
            if step.source is not None:
                files.link(step.source, step.keeper)
        for kind, (model, column) in _TABLES.items():
            changes = [{"id": ref.row_id, column: step.keeper} for step in batch
                       for ref in step.rows if ref.kind == kind]
            if changes:
                session.execute(update(model), changes)
        session.commit()
        for step in batch:
            for rel in step.duplicates:
                files.path(rel).unlink(missing_ok=True)
    _remove_empty_folders(files)
    if todo.steps:
        queries.audit(session, now, actor, "migrate", "file_store", None, None,
                      {"copies_removed": todo.removed, "bytes_freed": todo.freed,
                       "rows_repointed": todo.rows})
        session.commit()


def _received(rel: str) -> bool:
    return rel.startswith(f"{RECEIVED}/")


def _remove_empty_folders(files: FileStore) -> None:
    for area in LEGACY:
        top = files.root / area
        for folder, _dirs, _names in os.walk(top, topdown=False):
            try:
                os.rmdir(folder)
            except OSError:   # not empty: a copy left alone, or anything else
                pass
