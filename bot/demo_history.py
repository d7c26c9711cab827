"""The demo's conversation history: liaisons' messages planned month after month (on
time, late, incomplete, missing; generated photos, a few taken outside their month, one
near-copy) and played through the real conversation with the clock set back."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import BytesIO

from PIL import Image, ImageDraw
from sqlalchemy import select

from bot import audit
from bot.clock import FixedClock
from bot.conversation import Conversation
from bot.messages import Incoming
from scoring import LOCAL_TZ, Month, deadline, month_of
from storage.db import UnitOfWork
from storage.models import Liaison, Unit

ACTOR = "demo"
ACTIVITIES = ("敬老院义诊", "文明交通劝导", "垃圾分类宣传", "关爱留守儿童", "政策宣讲进社区",
              "无偿献血服务", "防诈骗知识讲座", "河道清洁", "理论宣讲", "图书漂流")


@dataclass(order=True)
class Event:
    """One message a liaison sends at a time."""

    at: datetime
    order: int
    user: tuple[str, str] = field(compare=False)
    kind: str = field(compare=False)
    text: str = field(compare=False, default="")
    photo: bytes | None = field(compare=False, default=None)


def history_start(now: datetime) -> Month:
    """The first month of the demo: the start of the quarter two quarters back."""
    return month_of(now).quarter.prev().prev().months()[0]


def photo_bytes(seed: int, taken: datetime | None, quality: int = 85) -> bytes:
    """A generated 'activity photo' (shapes on a gradient) with an EXIF capture time."""
    rng = random.Random(seed)
    img = Image.new("RGB", (640, 480))
    draw = ImageDraw.Draw(img)
    top, bottom = [rng.randrange(256) for _ in range(3)], [rng.randrange(256) for _ in range(3)]
    for y in range(480):
        t = y / 479
        draw.line([(0, y), (639, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    for _ in range(14):
        x, y = rng.randrange(600), rng.randrange(440)
        w, h = rng.randrange(40, 260), rng.randrange(40, 200)
        color = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x, y, x + w, y + h], fill=color)
    exif = Image.Exif()
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken.astimezone(LOCAL_TZ).strftime("%Y:%m:%d %H:%M:%S")
    out = BytesIO()
    img.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def summary_text(rng: random.Random, unit: str, month: Month) -> str:
    """A plausible month's summary of 60-odd characters."""
    a, b = rng.sample(ACTIVITIES, 2)
    return (f"{month.month}月，{unit}组织志愿者开展{a}活动{rng.randint(2, 6)}次，服务群众"
            f"{rng.randint(40, 300)}人次；开展{b}，参与志愿者{rng.randint(8, 60)}人，"
            f"发放宣传资料{rng.randint(100, 800)}份，群众反响良好。")


def _month_bounds(month: Month) -> tuple[datetime, datetime]:
    after = month.next()
    return (datetime(month.year, month.month, 1, tzinfo=LOCAL_TZ),
            datetime(after.year, after.month, 1, tzinfo=LOCAL_TZ))


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A time on a day between start and end, in office hours where the span allows."""
    start, end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    days = max((end - start).days, 1)
    at = start.replace(hour=0, minute=0, second=0) + timedelta(
        days=rng.randrange(days), hours=rng.randint(8, 17), minutes=rng.randint(0, 59),
        seconds=rng.randint(0, 59))
    return min(max(at, start + timedelta(minutes=1)), end - timedelta(minutes=30))


def plan_month(rng: random.Random, n: int, unit: Unit, user, month: Month, due: datetime,
               now: datetime) -> list[Event]:
    """The messages of one unit's month, by a drawn outcome (those before now)."""
    first, after = _month_bounds(month)
    roll = rng.random()
    events: list[Event] = []
    if roll < 0.68 and due - first > timedelta(days=1):
        start = _between(rng, first, min(due, after))
    elif roll < 0.80 and after - due > timedelta(hours=12):
        start = _between(rng, due, after)
    elif roll < 0.86:  # late, through 补交 early in the next month
        start = _between(rng, after, after + timedelta(days=4))
        events.append(Event(start - timedelta(minutes=2), n, user, "text", f"补交 {month}"))
    elif roll < 0.93:  # incomplete: a short text and no photo
        events.append(Event(_between(rng, first, after), n, user, "text",
                            f"{month.month}月开展了{rng.choice(ACTIVITIES)}活动。"))
        return [e for e in events if e.at < now]
    else:
        return []
    photos = rng.choice((1, 1, 2, 3))
    for k in range(photos):  # photos first: the text completes the month
        taken = _between(rng, first, min(start, after))
        if rng.random() < 0.05:  # an old photo: the console flags it
            taken = first - timedelta(days=20)
        events.append(Event(start + timedelta(minutes=4 * k), n, user, "photo",
                            photo=photo_bytes(n * 1000 + k, taken)))
    events.append(Event(start + timedelta(minutes=4 * photos + 2), n, user, "text",
                        summary_text(rng, unit.name, month)))
    return [e for e in events if e.at < now]


def _liaison(session, unit: Unit, at: datetime) -> tuple[str, str]:
    found = session.scalars(select(Liaison).where(Liaison.unit_id == unit.id)
                            .order_by(Liaison.channel != "console", Liaison.id)).first()
    if found is None:
        found = Liaison(channel="console", platform_user_id=unit.name, unit_id=unit.id,
                        created_at=at)
        session.add(found)
    return found.channel, found.platform_user_id


def plan(services, now: datetime) -> tuple[list[Event], list[Unit]]:
    """Every message of the demo history, oldest first; units start before it."""
    first = history_start(now)
    joined = datetime(first.year, first.month, 1, tzinfo=LOCAL_TZ) - timedelta(days=1)
    rules = services.conversation.rules
    events: list[Event] = []
    with UnitOfWork(services.session_factory) as uow:
        units = list(uow.session.scalars(select(Unit).where(Unit.active.is_(True))
                                         .order_by(Unit.id)))
        for unit in units:
            audit.record(uow.session, now, ACTOR, audit.UNIT_UPDATED, unit.id,
                         {"created_at": unit.created_at.isoformat()},
                         {"created_at": joined.isoformat()}, unit_id=unit.id)
            unit.created_at = joined
            user = _liaison(uow.session, unit, now)
            rng = random.Random(f"{unit.name}:{first}")
            month = first
            while month <= month_of(now):
                due = deadline(month, rules.deadline)
                events += plan_month(rng, len(events) + 1, unit, user, month, due, now)
                month = month.next()
        uow.commit()
    copy = [e for e in _near_copy(events) if e.at < now]
    return sorted(events + copy), units


def _near_copy(events: list[Event]) -> list[Event]:
    """One unit re-sends another unit's photo, re-encoded: the console flags it."""
    photos = [e for e in events if e.kind == "photo"]
    if len(photos) < 2:
        return []
    source = photos[0]
    other = next((e for e in photos if e.user != source.user and e.at > source.at), None)
    if other is None:
        return []
    out = BytesIO()
    with Image.open(BytesIO(source.photo)) as image:
        image.convert("RGB").resize((600, 450)).save(out, "JPEG", quality=70)
    return [Event(other.at + timedelta(seconds=30), other.order, other.user, "photo",
                  photo=out.getvalue())]


def send(services, events: list[Event]) -> int:
    """Play the events through the real conversation, each at its own time."""
    clock = FixedClock(events[0].at if events else services.clock.now())
    talk = Conversation(services.session_factory, services.files, services.config, clock)
    for n, event in enumerate(events, start=1):
        clock.set(event.at + timedelta(seconds=2))
        channel, uid = event.user
        blob = services.files.put_blob(event.photo, ".jpg") if event.photo else None
        talk.receive(Incoming(channel=channel, user_id=uid, msg_id=f"demo-{n}",
                              kind=event.kind, text=event.text, sent_at=event.at,
                              received_at=clock.now(), blob_path=blob))
    return len(events)
