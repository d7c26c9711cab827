"""A rubric whose categories report at different frequencies (the example district's:
分中心 every two months, 所站 every month): where materials go, how months stand, who is
reminded, and what the quarter's score counts — on a real database."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services
from bot.config import build_config
from bot.office.grid import month_grid
from bot.scores import month_statuses, quarter_table
from bot.worker.manual_reminders import owing_now
from scoring import Month, Quarter
from storage.db import UnitOfWork
from storage.models import SummaryItem, Unit
from tests.conftest import SUMMARY, Dialogue, FixedClock, add_unit, shanghai

LONG = SUMMARY * 3   # the example's summary wants 200 characters


@pytest.fixture
def district(db_url, tmp_path):
    clock = FixedClock(shanghai(2027, 1, 10, 10, 0, 0))
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
                           "rubric": {"file": "example-district"}})
    with build_services(config, clock=clock) as services:
        services.clock.set(shanghai(2026, 12, 30, 9, 0, 0))  # after December's deadline
        add_unit(services, "城关分中心", "sub_centre", liaisons=["console:fz"])
        add_unit(services, "东街站", "station", liaisons=["console:dj"])
        services.clock.set(shanghai(2027, 1, 10, 10, 0, 0))
        yield services


def months_of_items(services) -> dict[str, list[str]]:
    with UnitOfWork(services.session_factory) as uow:
        rows = uow.session.execute(select(Unit.name, SummaryItem.month).join(
            Unit, Unit.id == SummaryItem.unit_id).order_by(SummaryItem.id)).all()
    found: dict[str, list[str]] = {}
    for name, month in rows:
        found.setdefault(name, []).append(month)
    return found


def test_a_sub_centre_files_january_under_its_two_month_period_and_a_station_under_january(
        district):
    dialogue = Dialogue(district)
    sub_centre = "\n".join(dialogue.say("console:fz", LONG))
    station = "\n".join(dialogue.say("console:dj", LONG))
    assert "报送期：2027年1—2月" in sub_centre and "本期累计：文字" in sub_centre
    assert "月份：2027年1月" in station and "本月累计：文字" in station
    # 28 February 2027 is a Sunday: shifted to Monday 1 March, the day itself counts
    assert "截止 2027-03-02 00:00 前" in sub_centre and "提醒" not in sub_centre
    assert months_of_items(district) == {"城关分中心": ["2027-02"], "东街站": ["2027-01"]}


def test_the_month_without_a_due_summary_is_not_due_and_reminds_nobody(district):
    district.clock.set(shanghai(2027, 2, 3, 10, 0, 0))   # January's deadline has passed
    rules = district.conversation.rules
    with UnitOfWork(district.session_factory) as uow:
        units = list(uow.session.scalars(select(Unit).order_by(Unit.id)))
        grid = month_grid(uow.session, units, [Month(2027, 1), Month(2027, 2)],
                          district.clock.now(), rules)
        statuses = month_statuses(uow.session, units, Quarter(2027, 1), district.clock.now(),
                                  rules)
    sub_centre, station = units
    assert grid[(sub_centre.id, "2027-01")].status == "not_due"
    assert grid[(station.id, "2027-01")].status == "missing"
    assert grid[(sub_centre.id, "2027-02")].status == "pending"
    assert statuses[sub_centre.id] == {"2027-02": "pending"}
    assert statuses[station.id] == {"2027-01": "missing", "2027-02": "pending",
                                    "2027-03": "pending"}
    district.clock.set(shanghai(2027, 1, 20, 10, 0, 0))
    with UnitOfWork(district.session_factory) as uow:
        run = owing_now(uow.session, district.clock.now(), rules)
    assert [u.name for u in run.units] == ["东街站"]


def test_the_quarter_score_counts_each_category_s_due_periods_only(district):
    district.clock.set(shanghai(2027, 4, 10, 10, 0, 0))    # the quarter is over, nothing sent
    with UnitOfWork(district.session_factory) as uow:
        rows = {r.unit_name: r for r in quarter_table(
            uow.session, Quarter(2027, 1), district.clock.now(), district.conversation.rules)}
    report = {name: row.result.score.items["4.2"] for name, row in rows.items()}
    # 分中心: February's period missing (one cost of 2); 所站: three months missing (3 × 2)
    assert report["城关分中心"].score == 8 and "2月工作信息未报送" in report["城关分中心"].why
    assert report["东街站"].score == 4


def test_a_backfill_naming_a_month_inside_a_period_fills_the_period(district):
    dialogue = Dialogue(district)
    district.clock.set(shanghai(2027, 3, 10, 10, 0, 0))   # the January–February period is over
    answer = "\n".join(dialogue.say("console:fz", "补交 1月"))
    assert "记入 2027年2月（补交）" in answer and "报送期：2027年1—2月" in answer
    dialogue.say("console:fz", LONG)
    assert months_of_items(district) == {"城关分中心": ["2027-02"]}
