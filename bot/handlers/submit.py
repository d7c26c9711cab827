"""Text, photos and documents: add them to the month's summary and answer with a receipt."""
from __future__ import annotations

import hashlib
import unicodedata
from datetime import timedelta

from sqlalchemy import select

from bot.handlers.context import Context
from bot.handlers.texts import clock_text, month_lines, owed_line
from bot.jobs import JobKind
from bot.messages import Incoming, Receipt, Reply
from scoring import Month, count_chars, month_of
from storage import queries
from storage.files import Rejected, StoredDocument, StoredPhoto
from storage.models import StoredFile, SummaryItem
from storage.queue import BULK, enqueue

MAX_TEXT_CHARS = 20_000
# How a refusal's answer begins (bot/rejected_files.py finds refusals of before by it).
PHOTO_REFUSED, FILE_REFUSED = "这张图片没有记入：", "这个文件没有记入："


def has_words(text: str) -> bool:
    """True when the text holds at least one letter or digit (not only emoji or marks)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def target_month(msg: Incoming, ctx: Context) -> tuple[Month, bool]:
    """The month these materials go to, and whether it is a 补交 (backfill)."""
    lz = ctx.liaison
    window = timedelta(hours=ctx.config.summary.backfill_hours)
    if lz.backfill_month and lz.backfill_set_at and ctx.now - lz.backfill_set_at < window:
        return Month.parse(lz.backfill_month), True
    return ctx.open_month(msg.at), False


def handle_text(msg: Incoming, ctx: Context) -> list[Reply]:
    """Add a piece of text."""
    text = msg.text.strip()
    n = count_chars(text)
    if n > MAX_TEXT_CHARS:
        return [Reply(f"这段文字有 {n} 字，超过单条 {MAX_TEXT_CHARS} 字的上限，未记入。"
                      "请分几段发送，或存成 .docx 文档发送。")]
    return _record(msg, ctx, kind="text", text=text, chars=n, what=f"文字 {n} 字")


def handle_photo(msg: Incoming, ctx: Context) -> list[Reply]:
    """Verify and store a photo, then add it."""
    try:
        photo = ctx.files.put_photo(msg.blob_path)
    except Rejected as exc:
        _keep_rejected(msg, ctx, exc.reason)
        return [Reply(PHOTO_REFUSED + exc.reason)]
    stored = _file_row(ctx, photo, kind="photo")
    month, _ = target_month(msg, ctx)
    dup = ctx.session.scalars(select(SummaryItem.id).where(
        SummaryItem.unit_id == ctx.unit.id, SummaryItem.month == str(month),
        SummaryItem.file_id == stored.id, SummaryItem.withdrawn_at.is_(None))).first()
    if dup is not None:
        return [Reply(f"这张图片 {month.label} 已经收到过，不重复计数。")]
    what = "图片 1 张"
    if photo.taken_at is not None:
        what += f"（拍摄于 {clock_text(photo.taken_at)[:16]}）"
    note = None
    if photo.taken_at is not None and month_of(photo.taken_at) != month:
        note = (f"提示：这张照片拍摄于 {month_of(photo.taken_at).label}，不在 {month.label}，"
                "中心办公室审核时会看到。")
    return _record(msg, ctx, kind="photo", file=stored, what=what, note=note)


def handle_document(msg: Incoming, ctx: Context) -> list[Reply]:
    """Store a document; the worker reads its text after (bot/document_text.py).

    Reading a document is the slow part, and a hostile one can be made very slow:
    it never runs in the message's transaction. The document is added at once with
    no text, and its text counts from the moment the worker has read it.
    """
    try:
        doc = ctx.files.put_document(msg.blob_path, msg.filename or "")
    except Rejected as exc:
        _keep_rejected(msg, ctx, exc.reason)
        return [Reply(FILE_REFUSED + exc.reason)]
    stored = _file_row(ctx, doc, kind="document")
    replies = _record(msg, ctx, kind="document", file=stored, verb="已收到",
                      what=f"文档「{doc.filename}」（正在读取其中的文字，读完后告诉您计入的字数）")
    enqueue(ctx.session, JobKind.READ_DOCUMENT, {"channel": msg.channel, "msg_id": msg.msg_id},
            now=ctx.now, dedup_key=read_document_key(msg.channel, msg.msg_id), priority=BULK)
    return replies


def read_document_key(channel: str, msg_id: str) -> str:
    """The dedup key of the work item that reads a message's document."""
    digest = hashlib.sha1(f"{channel}\x00{msg_id}".encode("utf-8")).hexdigest()
    return f"read_document:{digest}"


def _keep_rejected(msg: Incoming, ctx: Context, reason: str) -> None:
    """Keep a refused file as evidence in the month it would have gone to (the file
    itself stays where it was received; bot/rejected_files.py removes it when due)."""
    month, _ = target_month(msg, ctx)
    ctx.rejected.append(dict(
        unit_id=ctx.unit.id, liaison_id=ctx.liaison.id, month=str(month), kind=msg.kind,
        path=msg.blob_path, size_bytes=ctx.files.path(msg.blob_path).stat().st_size,
        filename=msg.filename, reason=reason, sent_at=msg.at, rejected_at=ctx.now,
        removed_at=None))


def _file_row(ctx: Context, stored: StoredPhoto | StoredDocument, kind: str) -> StoredFile:
    row = queries.file_by_sha(ctx.session, stored.sha256)
    if row is not None:
        return row
    if isinstance(stored, StoredPhoto):
        row = StoredFile(sha256=stored.sha256, kind=kind, content_type=stored.content_type,
                         size_bytes=stored.size_bytes, path=stored.original_path,
                         thumb_path=stored.thumb_path, width=stored.width,
                         height=stored.height, taken_at=stored.taken_at,
                         phash=stored.phash, created_at=ctx.now)
    else:
        row = StoredFile(sha256=stored.sha256, kind=kind, content_type=stored.content_type,
                         size_bytes=stored.size_bytes, path=stored.path,
                         filename=stored.filename, created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    return row


def _record(msg: Incoming, ctx: Context, *, kind: str, what: str, text: str | None = None,
            chars: int = 0, file: StoredFile | None = None, note: str | None = None,
            verb: str = "已记录") -> list[Reply]:
    month, backfill = target_month(msg, ctx)
    ctx.add_item(month, unit_id=ctx.unit.id, kind=kind, text=text, chars=chars,
                 file_id=file.id if file else None, liaison_id=ctx.liaison.id,
                 sent_at=msg.at, received_at=msg.received_at, withdrawn_at=None)
    state = ctx.state(month)
    if state.complete and ctx.config.mail.enabled:
        enqueue(ctx.session, JobKind.MAIL_SUMMARY, {"unit_id": ctx.unit.id, "month": str(month)},
                now=ctx.now, dedup_key=f"mail:{ctx.unit.id}:{month}", priority=BULK)
    notes = [note] if note else []
    if backfill and state.complete:
        ctx.set_backfill(None)
        notes.append(f"{month.label}小结已补齐，之后的材料记入 {ctx.open_month().label}。")
    owed = ctx.owed_before(month)
    if owed:
        ctx.notes["owed"] = [str(m) for m in owed]  # what 补交 then moves (handlers/backfill.py)
    return [Reply(receipt=Receipt(
        recorded=f"{verb}：{what}" + ("（补交）" if backfill else ""),
        at=f"时间：{clock_text(msg.at)}",
        month=month_lines(ctx.unit.name, state, ctx.now, this_month=not backfill),
        notes=tuple(notes), owed=owed_line(owed, ctx.now) if owed else None))]
