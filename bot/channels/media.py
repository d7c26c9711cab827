"""The worker's half of a photo or file sent on a platform: download it once, store it,
run the handler, push the receipt; after the last try, tell the liaison to send it again.

Each platform describes only what differs (a MediaSource); the job is the same. The
channels queue it as BULK work (storage/queue.py): downloads come in bursts and take
seconds each, so they yield to receipts and run several at a time (bot/worker.py).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Callable

from sqlalchemy import select

from bot.channels.outbox import push_for_inbound
from bot.handlers.texts import clock_text
from bot.jobs import PermanentError
from bot.messages import Reply
from storage.db import UnitOfWork
from storage.models import InboundMessage, WorkItem

log = logging.getLogger(__name__)

SUFFIXES = {"image/jpeg": ".jpg", "image/jpg": ".jpg", "image/png": ".png",
            "image/gif": ".gif", "image/webp": ".webp", "image/bmp": ".bmp",
            "image/heic": ".heic", "image/heif": ".heif", "image/tiff": ".tif"}
_SAFE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")


@dataclass(frozen=True)
class MediaSource:
    """What one platform's media job needs to know.

    `download(client, payload)` returns an object with `data`, `content_type` and
    `filename`; `reasons` words a final failure in Chinese by its exception class (the
    text may name `{max_mb}`, the client's download limit).
    """

    name: str
    client: Callable[[Any], Any]
    download: Callable[[Any, dict], Any]
    work_key: Callable[[str], str]
    permanent: tuple[type[Exception], ...]
    reasons: dict[type[Exception], str]
    not_configured: str
    fallback_name: Callable[[dict], str] = lambda payload: "file"


def download_and_handle(source: MediaSource, payload: dict[str, Any], services) -> None:
    """Fetch the media, run the handler, push its receipt (a work item's job)."""
    inbound_id = payload["inbound_id"]
    client = source.client(services)
    if client is None:
        raise PermanentError(source.not_configured)
    try:
        _fetch(source, client, services, inbound_id)
        replies = services.conversation.process(inbound_id, queue_retry=False)
    except source.permanent as exc:
        _give_up(source, client, services, inbound_id, exc)
        raise PermanentError(str(exc)) from None
    except Exception as exc:
        if _last_attempt(services, source.work_key(payload["msg_id"])):
            _give_up(source, client, services, inbound_id, exc)
        raise
    push_for_inbound(services, inbound_id, replies)


def _fetch(source: MediaSource, client, services, inbound_id: int) -> None:
    """Download into the file store once; a rerun finds it there."""
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.get(InboundMessage, inbound_id)
        if row.blob_path:
            return
        payload, kind, filename = dict(row.payload), row.kind, row.filename
    media = source.download(client, payload)
    if kind == "photo":
        suffix = SUFFIXES.get(media.content_type, "")
    else:
        filename = filename or media.filename or source.fallback_name(payload)
        suffix = PurePath(filename).suffix.lower()
    blob = services.files.put_blob(media.data, suffix if _SAFE_SUFFIX.fullmatch(suffix) else "")
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.get(InboundMessage, inbound_id)
        row.blob_path = blob
        if kind == "document":
            row.filename = filename
        uow.commit()


def _last_attempt(services, key: str) -> bool:
    """True when the work item has no retry left after this one."""
    with UnitOfWork(services.session_factory) as uow:
        item = uow.session.scalars(select(WorkItem).where(WorkItem.dedup_key == key)).first()
        return item is None or item.attempts >= item.max_attempts


def _give_up(source: MediaSource, client, services, inbound_id: int, exc: Exception) -> None:
    """Tell the liaison this photo or file did not arrive, and keep why."""
    log.error("%s media of inbound message %s given up: %s", source.name, inbound_id, exc)
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.get(InboundMessage, inbound_id)
        if row.state == "handled":
            return
        what = "图片" if row.kind == "photo" else f"文件「{row.filename}」" if row.filename else "文件"
        when = clock_text(row.sent_at or row.received_at)
        reason = _reason(source, client, exc) or (
            "处理时出了问题" if row.blob_path else "多次下载都没有成功")
        notice = (f"您在 {when} 发送的{what}没有收到（{reason}），未记入小结。"
                  f"请重新发送这{'张图片' if row.kind == 'photo' else '个文件'}。")
        row.state = "failed"
        row.error = f"media: {type(exc).__name__}: {exc}"[:2000]
        row.replies = [notice]
        uow.commit()
    push_for_inbound(services, inbound_id, [Reply(notice)])


def _reason(source: MediaSource, client, exc: Exception) -> str | None:
    for kind, words in source.reasons.items():
        if isinstance(exc, kind):
            return words.format(max_mb=client.max_media_bytes // (1024 * 1024))
    return None
