"""Helpers for the file store's tests: what the store holds, and a store written the way
the code before issue 17 wrote it (a second copy of every accepted file)."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from PIL import Image
from sqlalchemy import delete, select

from storage.db import UnitOfWork
from storage.documents import extension
from storage.models import InboundMessage, RejectedFile, StoredFile

CONTENT_AREAS = ("incoming", "originals", "documents")
DAY = 24 * 3600


def stored(services, area: str | None = None) -> list[str]:
    """The files the store holds (under one of its folders, if given), as relative paths;
    not what else the folder holds (admin_secret_key, with PostgreSQL)."""
    root = services.files.root
    areas = (*CONTENT_AREAS, "thumbs") if area is None else (area,)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.relative_to(root).parts[0] in areas)


def content_bytes(services) -> int:
    """The bytes of the photos and documents kept (thumbnails not counted)."""
    return sum(services.files.path(rel).stat().st_size for area in CONTENT_AREAS
               for rel in stored(services, area))


def age(services, rel: str, days: float) -> None:
    """Make a stored file look written `days` ago."""
    then = services.files.path(rel).stat().st_mtime - days * DAY
    os.utime(services.files.path(rel), (then, then))


def write_config(config, tmp_path: Path) -> str:
    """A config file for `python -m bot` naming the test's database and store."""
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n', encoding="utf-8")
    return str(path)


def write_the_old_way(services) -> None:
    """Give every accepted file the second copy the code before issue 17 wrote, and point
    its row at it, exactly as put_photo / put_document did then:
    originals/ab/cd/<sha>.<ext of the decoded format> for a photo,
    documents/ab/cd/<sha><lower-case extension of the name> for a document;
    the received file stays under incoming/, named by the inbound row; a refused file
    had no row of its own."""
    with UnitOfWork(services.session_factory) as uow:
        uow.session.execute(delete(RejectedFile))
        for row in uow.session.scalars(select(StoredFile)):
            sha = row.sha256
            if row.kind == "photo":
                with Image.open(services.files.path(row.path)) as img:
                    ext = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png"}[img.format]
                old = f"originals/{sha[:2]}/{sha[2:4]}/{sha}.{ext}"
            else:
                old = f"documents/{sha[:2]}/{sha[2:4]}/{sha}{extension(row.filename)}"
            target = services.files.path(old)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(services.files.path(row.path), target)
            row.path = old
        uow.commit()


def received_again_with_another_suffix(services, msg_id: str, suffix: str) -> str:
    """What the old put_blob did with the same bytes sent under another suffix: a second
    file in incoming/, named by that message's row. Returns its path."""
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.scalars(select(InboundMessage).where(
            InboundMessage.platform_msg_id == msg_id)).one()
        data = services.files.read(row.blob_path)
        sha = hashlib.sha256(data).hexdigest()
        second = f"incoming/{sha[:2]}/{sha[2:4]}/{sha}{suffix}"
        services.files.path(second).write_bytes(data)
        row.blob_path = second
        uow.commit()
    return second
