"""A liaison who still owes last month: every receipt says so, and 补交 moves what was
just misfiled there, each item judged by its own send time."""
from __future__ import annotations

from sqlalchemy import select

from bot.summaries import month_states
from scoring import Month, MonthStatus
from storage.db import UnitOfWork
from storage.models import AuditEntry, MonthExcuse, SummaryItem
from tests.conftest import SUMMARY, add_unit, jpeg_bytes, shanghai

ME = "wecom:zhangsan"
NOVEMBER, DECEMBER = Month(2026, 11), Month(2026, 12)
NOVEMBER_TEXT = "11月，县人社局组织" + SUMMARY
OWED_LINE = ("提醒：2026年11月小结尚未报齐（已逾期）。如果刚才发的是11月的材料，"
             "请回复「补交 11月」，这条会一并移到11月。")


def registered(services, clock, on=shanghai(2026, 11, 2, 9, 0, 0)) -> int:
    """A unit registered on `on` (by default after October's deadline), and 2 December."""
    clock.set(on)
    unit_id = add_unit(services, "县人社局", liaisons=[ME])
    clock.set(shanghai(2026, 12, 2, 10, 0, 0))
    return unit_id


def months_of_items(services) -> list[str]:
    with UnitOfWork(services.session_factory) as uow:
        return list(uow.session.scalars(select(SummaryItem.month).order_by(SummaryItem.id)))


def state_of(services, unit_id: int, month: Month):
    rules = services.conversation.rules
    with UnitOfWork(services.session_factory) as uow:
        return month_states(uow.session, month, services.clock.now(), rules.deadline,
                            rules.completion, [(unit_id, "key")])[unit_id]


def test_a_receipt_ends_with_the_month_still_owed_and_the_way_out(services, dialogue, clock):
    registered(services, clock)
    [reply] = dialogue.say(ME, NOVEMBER_TEXT)
    assert "月份：2026年12月" in reply
    assert reply.split("\n")[-1] == OWED_LINE
    [photo] = dialogue.photo(ME, jpeg_bytes())
    assert photo.split("\n")[-1] == OWED_LINE


def test_backfill_within_30_minutes_moves_the_misfiled_message_and_what_came_since(
        services, dialogue, clock):
    unit_id = registered(services, clock)
    dialogue.say(ME, NOVEMBER_TEXT)
    clock.set(shanghai(2026, 12, 2, 10, 5, 0))
    sent = shanghai(2026, 12, 2, 10, 4, 30)  # the platform's send time, before receipt
    dialogue.photo(ME, jpeg_bytes(), sent_at=sent)
    clock.set(shanghai(2026, 12, 2, 10, 29, 0))
    [reply] = dialogue.say(ME, "补交 11月")
    assert "已将刚才发送的 2 条材料" in reply and "从2026年12月移到2026年11月" in reply
    assert "月份：2026年11月" in reply and "该月累计：" in reply
    assert "逾期报送（完成于 2026-12-02 10:04:30" in reply
    assert months_of_items(services) == ["2026-11", "2026-11"]
    november = state_of(services, unit_id, NOVEMBER)
    assert (november.status, november.completed_at) == (MonthStatus.LATE, sent)
    assert state_of(services, unit_id, DECEMBER).chars == 0
    with UnitOfWork(services.session_factory) as uow:
        moves = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "refile")).all()
    assert [(m.old, m.new) for m in moves] == [({"month": "2026-12"}, {"month": "2026-11"})] * 2
    assert all(m.actor == "liaison:wecom:zhangsan" for m in moves)
    # November is complete: what comes next goes to December again, and nothing is owed.
    [after] = dialogue.say(ME, "12月，县人社局开展就业政策宣讲进社区活动，参加群众五十余人次，"
                               "发放宣传资料两百余份，现场解答群众咨询三十余个。")
    assert "月份：2026年12月" in after and "提醒：" not in after


def test_backfill_after_30_minutes_moves_nothing_and_only_directs_what_comes_next(
        services, dialogue, clock):
    registered(services, clock)
    dialogue.say(ME, NOVEMBER_TEXT)
    clock.set(shanghai(2026, 12, 2, 10, 30, 1))
    [reply] = dialogue.say(ME, "补交 11月")
    assert "已将" not in reply and "接下来 24 小时内发送的材料记入 2026年11月" in reply
    assert months_of_items(services) == ["2026-12"]
    [photo] = dialogue.photo(ME, jpeg_bytes())
    assert "补交" in photo and "月份：2026年11月" in photo
    assert months_of_items(services) == ["2026-12", "2026-11"]


def test_backfill_of_a_month_no_receipt_named_moves_nothing(services, dialogue, clock):
    registered(services, clock)
    dialogue.say(ME, NOVEMBER_TEXT)
    [reply] = dialogue.say(ME, "补交 10月")
    assert "已将" not in reply
    assert months_of_items(services) == ["2026-12"]


def test_receipts_and_status_during_a_backfill_say_that_month_not_this_month(
        services, dialogue, clock):
    registered(services, clock)
    dialogue.say(ME, "补交 11月")
    [reply] = dialogue.say(ME, NOVEMBER_TEXT)
    assert "该月累计：文字" in reply and "本月累计" not in reply
    [status] = dialogue.say(ME, "状态")
    assert "正在补交 2026年11月" in status
    november, december = status.index("该月累计"), status.index("本月累计")
    assert november < december and status.index("2026年11月") < status.index("2026年12月")


def test_status_lists_the_months_still_owed_before_the_open_month(services, dialogue, clock):
    registered(services, clock)
    [status] = dialogue.say(ME, "状态")
    lines = status.split("\n")
    assert lines[1] == "2026年11月尚未报齐（已逾期），发送「补交 11月」补交："
    assert lines[2] == "该月累计：文字 0 字，图片 0 张"
    assert lines.index("单位：县人社局　月份：2026年12月") > 2
    assert "本月累计：文字 0 字，图片 0 张" in lines


def test_a_waived_month_or_one_before_registration_is_not_owed(services, dialogue, clock):
    unit_id = registered(services, clock)
    with UnitOfWork(services.session_factory) as uow:
        uow.session.add(MonthExcuse(unit_id=unit_id, month=str(NOVEMBER), kind="waived",
                                    reason="抗洪抢险", created_by="office",
                                    created_at=clock.now()))
        uow.commit()
    [reply] = dialogue.say(ME, NOVEMBER_TEXT)
    assert "提醒：" not in reply
    # October's deadline (25 October) came before the unit was registered: not judged.
    [status] = dialogue.say(ME, "状态")
    assert "2026年10月" not in status and "2026年11月" not in status


def test_two_months_owed_are_named_in_one_line(services, dialogue, clock):
    registered(services, clock, on=shanghai(2026, 10, 8, 9, 0, 0))
    [reply] = dialogue.say(ME, NOVEMBER_TEXT)
    last = reply.split("\n")[-1]
    assert last.startswith("提醒：2026年10月、2026年11月小结尚未报齐（已逾期）")
    assert "「补交 11月」" in last and reply.count("提醒：") == 1
