"""What the office should look at twice in a unit's photos (no Flask).

A photo is flagged when its perceptual hash is within SIMILAR bits of a photo sent by
another unit or for another month, and when its EXIF capture time lies outside the month.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring import Month, month_of
from storage.files import hamming
from storage.models import StoredFile, SummaryItem, Unit

SIMILAR = 6          # bits of 64; storage.photos' hash is robust to resizing and re-encoding
SHOWN_MATCHES = 3


def photo_flags(session: Session, items: list[SummaryItem]) -> dict[int, list[str]]:
    """Each photo item's flags, in Chinese, by item id (items without flags are absent)."""
    photos = [i for i in items if i.kind == "photo" and i.file is not None]
    flags: dict[int, list[str]] = {}
    for item in photos:
        taken = item.file.taken_at
        if taken is not None and month_of(taken) != Month.parse(item.month):
            flags.setdefault(item.id, []).append(
                f"拍摄时间 {month_of(taken).label}，不在 {Month.parse(item.month).label}")
    hashed = [i for i in photos if i.file.phash]
    if not hashed:
        return flags
    others = session.execute(
        select(SummaryItem.id, SummaryItem.unit_id, SummaryItem.month, SummaryItem.file_id,
               StoredFile.phash, Unit.name)
        .join(StoredFile, StoredFile.id == SummaryItem.file_id)
        .join(Unit, Unit.id == SummaryItem.unit_id)
        .where(SummaryItem.kind == "photo", SummaryItem.withdrawn_at.is_(None),
               StoredFile.phash.is_not(None))
        .order_by(SummaryItem.sent_at, SummaryItem.id)).all()
    for item in hashed:
        matches = []
        for other_id, unit_id, month, file_id, phash, unit_name in others:
            if other_id == item.id or (unit_id == item.unit_id and month == item.month):
                continue
            distance = hamming(item.file.phash, phash)
            if distance <= SIMILAR:
                who = "本单位" if unit_id == item.unit_id else f"「{unit_name}」"
                how = ("同一文件" if file_id == item.file_id else
                       "几乎相同" if distance == 0 else f"相差 {distance} 位")
                matches.append(f"{who}{Month.parse(month).label}的照片（{how}）")
        if matches:
            more = f"等 {len(matches)} 张" if len(matches) > SHOWN_MATCHES else ""
            flags.setdefault(item.id, []).append(
                "与" + "、".join(matches[:SHOWN_MATCHES]) + more + "相似")
    return flags
