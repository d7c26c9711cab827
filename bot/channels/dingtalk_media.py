"""The worker's half of a DingTalk picture or file: download, store, handle, push the receipt.

The receipt goes into the outbox like WeCom's (coalesced per member); the DingTalk
sender delivers it through the member's live one-to-one sessionWebhook when there is
one, else by batchSend.
"""
from __future__ import annotations

import logging
import re
from pathlib import PurePath
from typing import Any

from sqlalchemy import select

from bot.channels.dingtalk_inbox import media_key
from bot.handlers.texts import clock_text
from bot.platforms.dingtalk_api import MediaTooLarge, MediaUnavailable, QuotaExceeded
from bot.platforms.outbox import push_for_inbound
from storage.db import UnitOfWork
from storage.models import InboundMessage, WorkItem

log = logging.getLogger(__name__)

SUFFIXES = {"image/jpeg": ".jpg", "image/jpg": ".jpg", "image/png": ".png",
            "image/gif": ".gif", "image/webp": ".webp", "image/bmp": ".bmp",
            "image/heic": ".heic", "image/heif": ".heif", "image/tiff": ".tif"}
_SAFE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")
PERMANENT = (MediaUnavailable, MediaTooLarge, QuotaExceeded)


def download_and_handle(payload: dict[str, Any], services) -> None:
    """Work item `dingtalk_media`: fetch the file, run the handler, push its receipt."""
    from bot.worker import PermanentError
    inbound_id = payload["inbound_id"]
    if services.dingtalk is None:
        raise PermanentError("[dingtalk] app_key/app_secret not configured: cannot download")
    try:
        _fetch(services, inbound_id)
        replies = services.conversation.process(inbound_id, queue_retry=False)
    except PERMANENT as exc:
        _give_up(services, inbound_id, exc)
        raise PermanentError(str(exc)) from None
    except Exception as exc:
        if _last_attempt(services, payload["msg_id"]):
            _give_up(services, inbound_id, exc)
        raise
    push_for_inbound(services, inbound_id, replies)


def _fetch(services, inbound_id: int) -> None:
    """Download the file into the file store once; a rerun finds it there."""
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.get(InboundMessage, inbound_id)
        if row.blob_path:
            return
        code, kind, filename = row.payload["download_code"], row.kind, row.filename
    media = services.dingtalk.download(code)
    if kind == "photo":
        suffix = SUFFIXES.get(media.content_type, "")
    else:
        filename = filename or media.filename or "file"
        suffix = PurePath(filename).suffix.lower()
    blob = services.files.put_blob(media.data, suffix if _SAFE_SUFFIX.fullmatch(suffix) else "")
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.get(InboundMessage, inbound_id)
        row.blob_path = blob
        if kind == "document":
            row.filename = filename
        uow.commit()


def _last_attempt(services, msg_id: str) -> bool:
    """True when the work item has no retry left after this one."""
    with UnitOfWork(services.session_factory) as uow:
        item = uow.session.scalars(
            select(WorkItem).where(WorkItem.dedup_key == media_key(msg_id))).first()
        return item is None or item.attempts >= item.max_attempts


def _give_up(services, inbound_id: int, exc: Exception) -> None:
    """Tell the liaison this picture or file did not arrive, and keep why."""
    log.error("DingTalk file of inbound message %s given up: %s", inbound_id, exc)
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.get(InboundMessage, inbound_id)
        if row.state == "handled":
            return
        what = "图片" if row.kind == "photo" else f"文件「{row.filename}」" if row.filename else "文件"
        when = clock_text(row.sent_at or row.received_at)
        if isinstance(exc, MediaTooLarge):
            mb = services.dingtalk.max_media_bytes // (1024 * 1024)
            reason = f"文件太大，超过 {mb}MB"
        elif isinstance(exc, MediaUnavailable):
            reason = "钉钉上的文件已失效"
        elif isinstance(exc, QuotaExceeded):
            reason = "本单位钉钉本月的接口调用次数已用完，请联系中心办公室"
        elif row.blob_path:
            reason = "处理时出了问题"
        else:
            reason = "多次下载都没有成功"
        notice = (f"您在 {when} 发送的{what}没有收到（{reason}），未记入小结。"
                  f"请重新发送这{'张图片' if row.kind == 'photo' else '个文件'}。")
        row.state = "failed"
        row.error = f"media: {type(exc).__name__}: {exc}"[:2000]
        row.replies = [notice]
        uow.commit()
    push_for_inbound(services, inbound_id, [notice])
