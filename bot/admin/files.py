"""Photos and documents, served from the file store only to signed-in office users.

The file store's folder is never published; a file is reached through these routes by its
id, behind the sign-in guard, and never cached by shared proxies.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from flask import abort, send_file

from bot.admin.web import bp, services, unit_of_work
from bot.office.cells import file_name
from storage.files import download_extension
from storage.models import RejectedFile, StoredFile

INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def _stored(file_id: int) -> StoredFile:
    with unit_of_work() as uow:
        row = uow.session.get(StoredFile, file_id)
    if row is None:
        abort(404)
    return row


def _send(rel: str, mimetype: str, *, inline: bool, name: str):
    try:
        path = services().files.path(rel)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mimetype, as_attachment=not inline,
                         download_name=name, conditional=True, etag=True)
    response.headers["Cache-Control"] = "private, max-age=86400"  # content-addressed
    return response


@bp.get("/files/<int:file_id>/thumb")
def thumb(file_id: int):
    """A photo's thumbnail (JPEG)."""
    row = _stored(file_id)
    if not row.thumb_path:
        abort(404)
    return _send(row.thumb_path, "image/jpeg", inline=True, name=f"thumb-{row.id}.jpg")


@bp.get("/files/<int:file_id>")
def original(file_id: int):
    """A photo at full size, or a document as a download, byte for byte as received."""
    row = _stored(file_id)
    extension = download_extension(row.path, row.content_type, "bin")
    name = file_name(row.filename) if row.filename else f"{row.kind}-{row.id}.{extension}"
    inline = row.kind == "photo" and row.content_type in INLINE_TYPES
    return _send(row.path, row.content_type, inline=inline, name=name)


@bp.get("/rejected/<int:rejected_id>")
def rejected_file(rejected_id: int):
    """A refused photo or document, byte for byte as received, always as a download (it
    may be anything); gone once its retention has passed (bot/rejected_files.py)."""
    with unit_of_work() as uow:
        row = uow.session.get(RejectedFile, rejected_id)
    if row is None or row.removed_at is not None:
        abort(404)
    what = "图片" if row.kind == "photo" else "文件"
    name = (file_name(row.filename) if row.filename
            else f"未记入的{what}-{row.id}{PurePosixPath(row.path).suffix}")
    return _send(row.path, "application/octet-stream", inline=False, name=name)
