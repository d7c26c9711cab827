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
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from bot.demo_history import ACTIVITIES, ACTOR, history_start, plan, send
from bot.demo_facts import demo_facts
from bot.office.demo_account import demo_admin, retire_demo_admin
from bot.office.entries import add_bonus, add_deduction, set_excuse
from bot.office.fact_fields import fields, story_levels
from bot.office.fact_values import as_stored
from bot.office.facts import FactsImport, apply_facts
from bot.office.grid import month_grid, months_until
from bot.office.quarter_totals import set_total
from scoring import Quarter, RubricVersions, month_of
from storage import queries
from storage.db import UnitOfWork
from storage.models import SummaryItem, Unit

@dataclass
class DemoResult:
    units: int = 0
    messages: int = 0
    admin: str | None = None
    password: str | None = None


def enter_facts(session, units: list[Unit], now: datetime, rubric: RubricVersions) -> None:
    """Facts and media stories of every quarter the history covers, as the rubric version
    of each quarter declares them (bot/demo_facts.py)."""
    data = FactsImport()
    quarter: Quarter = history_start(now).quarter
    while quarter <= month_of(now).quarter:
        ended = quarter < month_of(now).quarter
        version = rubric.for_quarter(quarter)
        columns = fields(version, "import")
        levels = tuple(story_levels(version))
        for unit in units:
            rng = random.Random(f"{unit.name}:{quarter}")
            data.facts.append((unit, quarter, as_stored(columns, demo_facts(rng, version, ended))))
            stories = []
            for _ in range(rng.choice((0, 1, 1, 2, 3)) if ended else 0):
                story = f"{rng.choice(ACTIVITIES)}志愿服务"
                for level in rng.choice((levels[:1], levels[1::-1], levels[2:3])):
                    stories.append({"story": story, "level": level, "published_on": None,
                                    "outlet": "", "link": ""})
            if stories and levels:
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
            set_excuse(session, unit, month, kind=kind, reason=reason, at=now, actor=ACTOR)
    kinds = rules.rubric.for_year(year).year   # the rubric's bonus and deduction kinds
    for n, (kind, bonus) in enumerate(list(kinds.bonus.items())[:3]):
        levels = bonus.levels()
        add_bonus(session, units[min(n, len(units) - 1)], year, kind=kind,
                  level=levels[len(levels) // 2] if levels else None, note="演示数据",
                  occurred_on=None, at=now, actor=ACTOR)
    for kind in list(kinds.deductions)[:1]:
        add_deduction(session, units[-1], year, points=Decimal("1"), kind=kind,
                      reason="演示数据：活动照片与小结内容不符", occurred_on=None, at=now,
                      actor=ACTOR)


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
            enter_facts(uow.session, units, now, rules.rubric)
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
