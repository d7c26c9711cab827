"""A demo history for a fresh database, so the console shows real figures at once.

On the units present (make run imports the sample units first) it plays their liaisons
through the real conversation, month after month with the clock set back: summaries on
time, late (some through 补交), incomplete and missing, with generated photos stored by the
real file store (a few taken outside their month, one near-copy of another unit's photo).
It enters the office's facts and media stories for the quarters covered, a waiver, an
exemption, bonus and deduction entries, and creates a demo admin account.
Everything it writes is deterministic for a given start time, and audited as "demo".
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from io import BytesIO

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from bot import audit
from bot.clock import FixedClock
from bot.conversation import Conversation
from bot.messages import Incoming
from bot.office.demo_account import demo_admin, retire_demo_admin
from bot.office.facts import FactsImport, apply_facts
from bot.office.grid import month_grid, months_until
from bot.office.quarter_totals import set_total
from scoring import LOCAL_TZ, Month, Quarter, deadline, month_of
from storage import queries
from storage.db import UnitOfWork
from storage.models import BonusEntry, Deduction, Liaison, MonthExcuse, SummaryItem, Unit

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


@dataclass
class DemoResult:
    units: int = 0
    messages: int = 0
    admin: str | None = None
    password: str | None = None


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


def quarter_facts(rng: random.Random, complete: bool) -> dict:
    """Plausible facts of one quarter; a running quarter lacks the survey and the rating."""
    staff = rng.randint(20, 120)
    registered = int(staff * rng.uniform(0.6, 1.0))
    facts = {
        "annual_plan": rng.random() < 0.9, "annual_summary": rng.random() < 0.8,
        "materials_uploaded": rng.random() < 0.85, "team_flag": rng.random() < 0.9,
        "uniforms_sufficient": rng.random() < 0.8, "uniforms_worn": rng.random() < 0.75,
        "staff_on_post": staff, "registered_volunteers": registered,
        "trainings": rng.choice((0, 1, 1, 2)), "service_items": rng.randint(2, 6),
        "services": rng.randint(4, 12),
        "volunteer_hours": Decimal(registered * rng.randint(3, 7)).quantize(Decimal("0.01")),
        "brand_plan": rng.random() < 0.7, "brand_promoted": rng.random() < 0.3,
        "awareness_rate": None, "satisfaction": None, "media_entered": False,
    }
    if complete:
        facts["awareness_rate"] = Decimal(rng.randint(650, 990)) / 10
        facts["satisfaction"] = rng.choice(("excellent", "good", "good", "fair"))
        facts["media_entered"] = True
    return facts


def enter_facts(session, units: list[Unit], now: datetime) -> None:
    """Facts and media stories of every quarter the history covers."""
    data = FactsImport()
    quarter: Quarter = history_start(now).quarter
    while quarter <= month_of(now).quarter:
        ended = quarter < month_of(now).quarter
        for unit in units:
            rng = random.Random(f"{unit.name}:{quarter}")
            data.facts.append((unit, quarter, quarter_facts(rng, ended)))
            stories = []
            for _ in range(rng.choice((0, 1, 1, 2, 3)) if ended else 0):
                story = f"{rng.choice(ACTIVITIES)}志愿服务"
                for level in rng.choice((("county",), ("city", "county"), ("province",))):
                    stories.append({"story": story, "level": level, "published_on": None,
                                    "outlet": "", "link": ""})
            if stories:
                data.media[(unit.id, str(quarter))] = stories
        quarter = quarter.next()
    apply_facts(session, data, now, ACTOR)


def hand_totals(session, units: list[Unit], now: datetime) -> None:
    """The quarter before the history, assessed on paper: its total entered by hand for the
    first few units (the others show it as not assessed)."""
    quarter = history_start(now).quarter.prev()
    for unit in units[:3]:
        total = Decimal(random.Random(f"{unit.name}:{quarter}:total").randint(700, 950)) / 10
        set_total(session, unit, quarter, total, "机器人启用前已按原办法考核，录入纸质考核结果",
                  now, ACTOR)


def office_entries(session, units: list[Unit], now: datetime, rules) -> None:
    """A waiver, an exemption, bonus and deduction entries, and totals entered by hand, as
    the office would enter them."""
    if not units:
        return
    hand_totals(session, units, now)
    year, current = month_of(now).year, month_of(now)
    months = months_until(current.prev(), 3)
    grid = month_grid(session, units, months, now, rules)
    missing = [(u, m) for m in months for u in units
               if grid[(u.id, str(m))].status == "missing"]
    chosen = []
    if missing:
        chosen.append((missing[0], "waived", "该月承担县里防汛抢险任务，经中心研究同意豁免"))
    chosen.append(((units[len(units) // 2], current), "exempt", "单位机构改革调整期间，经中心同意本月免报"))
    for (unit, month), kind, reason in chosen:
        if queries.excuse(session, unit.id, str(month)) is None:
            session.add(MonthExcuse(unit_id=unit.id, month=str(month), kind=kind,
                                    reason=reason, created_by=ACTOR, created_at=now))
            audit.record(session, now, ACTOR, audit.EXCUSES[kind], f"{unit.id}:{month}",
                         None, {"kind": kind, "reason": reason}, unit_id=unit.id)
    entries = [(audit.BONUS_ADDED, BonusEntry(unit_id=unit.id, year=year, kind=kind, level=level,
                                          note="演示数据", created_at=now, created_by=ACTOR))
               for unit, kind, level in ((units[0], "research_visit", "provincial"),
                                         (units[min(1, len(units) - 1)], "host_event", None),
                                         (units[min(2, len(units) - 1)], "endorsement", "county"))]
    entries.append((audit.DEDUCTION_ADDED, Deduction(
        unit_id=units[-1].id, year=year, points=Decimal("1"), kind="perfunctory",
        reason="演示数据：活动照片与小结内容不符", created_at=now, created_by=ACTOR)))
    for change, entry in entries:
        session.add(entry)
        session.flush()
        audit.record(session, now, ACTOR, change, entry.id, None,
                     {"unit_id": entry.unit_id, "year": year, "kind": entry.kind},
                     unit_id=entry.unit_id)


def load_demo(services) -> DemoResult:
    """Write the demo history on the units present (once: not over real summaries)."""
    now = services.clock.now()
    result = DemoResult()
    with UnitOfWork(services.session_factory) as uow:
        has_items = uow.session.scalar(select(func.count()).select_from(SummaryItem))
    if not has_items:
        events, units = plan(services, now)
        result.units = len(units)
        result.messages = send(services, events)
        rules = services.conversation.rules
        with UnitOfWork(services.session_factory) as uow:
            units = list(uow.session.scalars(select(Unit).where(Unit.active.is_(True))
                                             .order_by(Unit.id)))
            enter_facts(uow.session, units, now)
            office_entries(uow.session, units, now, rules)
            uow.commit()
    result.admin, result.password = demo_admin(services, now, ACTOR)
    return result


def init_demo(services, fresh: bool) -> None:
    """`init`: with [admin] demo, the history on a fresh database and the account's
    password; without it, the demo account (if any) is switched off."""
    if not services.config.admin.demo:
        if retire_demo_admin(services, services.clock.now(), ACTOR):
            print("[admin] demo = false：演示账号 demo 已停用")
        return
    if fresh:
        result = load_demo(services)
        print(f"已载入演示数据：{result.units} 个单位，{result.messages} 条联络员消息")
    name, password = demo_admin(services, services.clock.now(), ACTOR)
    if password:
        print(f"办公室控制台 /admin 演示账号：{name}  密码：{password}"
              "（[admin] demo = false 时不再创建；生产环境请关闭）")
