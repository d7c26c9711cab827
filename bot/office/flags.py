"""What the office should look at twice in a unit's photos (no Flask).

A photo is flagged when its perceptual hash is within SIMILAR bits of a photo sent by
another unit or for another month, and when its EXIF capture time lies outside the month.
The unit page, the evidence pack's 回执清单 and the quarter's list of flagged photos all
read these words.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.memo import NO_MEMO, Memo, rows_key
from scoring import Month, Quarter, month_of
from storage import queries
from storage.models import StoredFile, SummaryItem, Unit

SIMILAR = 6          # bits of 64; storage.photos' hash is robust to resizing and re-encoding
SHOWN_MATCHES = 3


@dataclass(frozen=True)
class Hashed:
    """A live photo with a perceptual hash, as the comparison reads it."""

    item_id: int
    unit_id: int
    month: str
    file_id: int
    bits: int          # the hash as a number
    width: int         # hex digits of the hash (hashes of other lengths don't compare)
    unit_name: str


def hashed_photos(session: Session) -> list[Hashed]:
    """Every photo not withdrawn that has a perceptual hash, in send order (read once for
    a whole pack or page, then compared in memory)."""
    rows = session.execute(
        select(SummaryItem.id, SummaryItem.unit_id, SummaryItem.month, SummaryItem.file_id,
               StoredFile.phash, Unit.name)
        .join(StoredFile, StoredFile.id == SummaryItem.file_id)
        .join(Unit, Unit.id == SummaryItem.unit_id)
        .where(SummaryItem.kind == "photo", SummaryItem.withdrawn_at.is_(None),
               StoredFile.phash.is_not(None))
        .order_by(SummaryItem.sent_at, SummaryItem.id))
    return [Hashed(i, u, m, f, int(h, 16), len(h), name) for i, u, m, f, h, name in rows]


class HashIndex:
    """The photos by parts of their hash, to find those within SIMILAR bits of one without
    comparing it with all: two 64-bit hashes that differ in at most SIMILAR bits agree in
    at least one of SIMILAR + 1 parts (pigeonhole), so only the photos sharing a part are
    compared. Hashes of another length are compared with all, as before."""

    BITS = 64

    def __init__(self, photos: list[Hashed]):
        self.photos = photos
        parts = SIMILAR + 1
        edges = [self.BITS * n // parts for n in range(parts + 1)]
        self.masks = [(lo, (1 << (hi - lo)) - 1) for lo, hi in zip(edges, edges[1:])]
        self.buckets: dict[tuple[int, int], list[int]] = {}
        self.odd: list[int] = []
        for n, photo in enumerate(photos):
            if photo.width * 4 != self.BITS:
                self.odd.append(n)
                continue
            for part, (shift, mask) in enumerate(self.masks):
                self.buckets.setdefault((part, (photo.bits >> shift) & mask), []).append(n)

    def near(self, bits: int, width: int) -> list[Hashed]:
        """The photos that may be within SIMILAR bits of this hash, in their order."""
        if width * 4 != self.BITS:
            return self.photos
        found = set(self.odd)
        for part, (shift, mask) in enumerate(self.masks):
            found.update(self.buckets.get((part, (bits >> shift) & mask), ()))
        return [self.photos[n] for n in sorted(found)]


def photo_index(session: Session, memo: Memo = NO_MEMO) -> HashIndex:
    """Every live photo with a hash, indexed (read once for a page that compares a few).
    With a memo, kept under every month's mark (storage.queries.item_marks: a photo added,
    withdrawn or moved to another month changes it; a photo's hash never changes) and the
    units' names, which the flags name."""
    marks = tuple(sorted(queries.item_marks(session, "0000-00", "9999-99").items()))
    names = rows_key(session.execute(select(Unit.id, Unit.name).order_by(Unit.id)))
    return memo.get("photos", (marks, names), lambda: HashIndex(hashed_photos(session)))


def photo_flags(session: Session, items: list[SummaryItem],
                others: HashIndex | None = None) -> dict[int, list[str]]:
    """Each photo item's flags, in Chinese, by item id (items without flags are absent).
    `others`: photo_index(session), when the caller has read it already."""
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
    if others is None:
        others = photo_index(session)
    for item in hashed:
        bits, width = int(item.file.phash, 16), len(item.file.phash)
        matches = []
        for other in others.near(bits, width):
            if other.item_id == item.id or (other.unit_id == item.unit_id
                                            and other.month == item.month):
                continue
            distance = (bits ^ other.bits).bit_count()
            if distance <= SIMILAR and other.width == width:
                who = "本单位" if other.unit_id == item.unit_id else f"「{other.unit_name}」"
                how = ("同一文件" if other.file_id == item.file_id else
                       "几乎相同" if distance == 0 else f"相差 {distance} 位")
                matches.append(f"{who}{Month.parse(other.month).label}的照片（{how}）")
        if matches:
            more = f"等 {len(matches)} 张" if len(matches) > SHOWN_MATCHES else ""
            flags.setdefault(item.id, []).append(
                "与" + "、".join(matches[:SHOWN_MATCHES]) + more + "相似")
    return flags


@dataclass(frozen=True)
class FlaggedPhoto:
    """One flagged photo of a quarter, for the office's list."""

    item_id: int
    unit_id: int
    unit_name: str
    month: Month
    sent_at: datetime
    file_id: int
    has_thumb: bool
    flags: tuple[str, ...]


def quarter_flagged(session: Session, quarter: Quarter) -> list[FlaggedPhoto]:
    """Every flagged photo of the quarter's months (active units, not withdrawn), by unit
    and send time."""
    items = session.scalars(
        select(SummaryItem).options(selectinload(SummaryItem.file))
        .join(Unit, Unit.id == SummaryItem.unit_id)
        .where(Unit.active.is_(True), SummaryItem.kind == "photo",
               SummaryItem.withdrawn_at.is_(None),
               SummaryItem.month.in_([str(m) for m in quarter.months()]))
        .order_by(SummaryItem.unit_id, SummaryItem.sent_at, SummaryItem.id)).all()
    flags = photo_flags(session, list(items))
    names = dict(session.execute(select(Unit.id, Unit.name).where(
        Unit.id.in_({i.unit_id for i in items if i.id in flags}))).tuples().all())
    return [FlaggedPhoto(i.id, i.unit_id, names[i.unit_id], Month.parse(i.month), i.sent_at,
                         i.file_id, bool(i.file.thumb_path), tuple(flags[i.id]))
            for i in items if i.id in flags]
