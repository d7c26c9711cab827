"""The conversation through the real Conversation, a real database and a real file store."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import AuditEntry, InboundMessage, Liaison, SummaryItem
from tests.conftest import SUMMARY, add_unit, jpeg_bytes, shanghai

ME = "console:dangxiao"


def count(services, model, *where) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_text_gets_a_receipt_with_unit_month_counts_time_and_what_is_missing(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    [reply] = dialogue.say(ME, SUMMARY)
    n = len(re.sub(r"\s", "", SUMMARY))
    assert "县委党校" in reply and "2026年3月" in reply
    assert f"文字 {n} 字" in reply and "图片 0 张" in reply
    assert "2026-03-20 10:00:00" in reply
    assert "未齐全" in reply and "图片还差 1 张" in reply


def test_text_and_a_photo_before_the_deadline_make_the_month_complete_and_on_time(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    dialogue.say(ME, SUMMARY)
    [reply] = dialogue.photo(ME, jpeg_bytes())
    assert "图片 1 张" in reply and "已齐全，按时报送" in reply


def test_a_summary_completed_at_the_deadline_instant_is_late(services, dialogue, clock):
    add_unit(services, "县委党校", liaisons=[ME])
    clock.set(shanghai(2026, 3, 24, 23, 0, 0))
    dialogue.say(ME, SUMMARY)
    clock.set(shanghai(2026, 3, 25, 0, 0, 0))
    [reply] = dialogue.photo(ME, jpeg_bytes())
    assert "2026年3月" in reply and "逾期报送" in reply


def test_a_summary_completed_one_second_before_the_deadline_is_on_time(services, dialogue, clock):
    add_unit(services, "县委党校", liaisons=[ME])
    clock.set(shanghai(2026, 3, 24, 23, 0, 0))
    dialogue.say(ME, SUMMARY)
    clock.set(shanghai(2026, 3, 24, 23, 59, 59))
    [reply] = dialogue.photo(ME, jpeg_bytes())
    assert "2026-03-24 23:59:59" in reply and "按时报送" in reply


def test_the_same_platform_message_id_twice_gives_one_item_and_the_same_answer(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    first = dialogue.say(ME, SUMMARY, msg_id="wx-1")
    second = dialogue.say(ME, SUMMARY, msg_id="wx-1")
    assert first == second
    assert count(services, SummaryItem) == 1
    assert count(services, InboundMessage) == 1


def test_an_unbound_user_is_told_how_to_bind_and_the_message_is_kept(services, dialogue):
    [reply] = dialogue.say("console:stranger", SUMMARY)
    assert "还没有绑定" in reply and "绑定 " in reply
    assert count(services, InboundMessage) == 1
    assert count(services, SummaryItem) == 0


def test_a_binding_code_binds_once_and_then_is_used_up(services, dialogue):
    from bot.office.units import new_binding_code
    unit_id = add_unit(services, "县妇联")
    with UnitOfWork(services.session_factory) as uow:
        from storage.models import Unit
        code = new_binding_code(uow.session, uow.session.get(Unit, unit_id),
                                services.clock.now(), timedelta(days=7), "test").code
        uow.commit()
    [ok] = dialogue.say("wecom:lisi", f"绑定 {code.lower()}")
    assert "绑定成功" in ok and "县妇联" in ok
    [again] = dialogue.say("wecom:wangwu", f"绑定 {code}")
    assert "已经使用过" in again
    assert count(services, Liaison, Liaison.unit_id == unit_id) == 1
    assert count(services, AuditEntry, AuditEntry.action == "bind") == 1


def test_an_expired_binding_code_is_refused(services, dialogue, clock):
    from bot.office.units import new_binding_code
    unit_id = add_unit(services, "县妇联")
    with UnitOfWork(services.session_factory) as uow:
        from storage.models import Unit
        code = new_binding_code(uow.session, uow.session.get(Unit, unit_id),
                                services.clock.now(), timedelta(hours=1), "test").code
        uow.commit()
    clock.advance(hours=2)
    [reply] = dialogue.say("wecom:lisi", f"绑定 {code}")
    assert "已过期" in reply


def test_status_shows_counts_deadline_and_time_left(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    dialogue.photo(ME, jpeg_bytes())
    [reply] = dialogue.say(ME, "状态")
    assert "县委党校" in reply and "2026年3月" in reply
    assert "文字 0 字" in reply and "图片 1 张" in reply
    assert "截止 2026-03-25 00:00" in reply and "还剩 4天14小时" in reply
    assert "2026-03-20 10:00:00" in reply


def test_withdraw_removes_the_last_item_before_the_deadline(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    dialogue.say(ME, SUMMARY)
    dialogue.photo(ME, jpeg_bytes())
    [reply] = dialogue.say(ME, "撤回")
    assert "已撤回" in reply and "图片 0 张" in reply
    assert count(services, SummaryItem, SummaryItem.withdrawn_at.is_(None)) == 1
    assert count(services, SummaryItem) == 2  # withdrawn, not deleted


def test_withdraw_after_the_deadline_is_refused_with_the_reason(services, dialogue, clock):
    add_unit(services, "县委党校", liaisons=[ME])
    dialogue.say(ME, SUMMARY)
    clock.set(shanghai(2026, 3, 26, 9, 0, 0))
    [reply] = dialogue.say(ME, "撤回")
    assert "截止时间" in reply and "不能撤回" in reply
    assert count(services, SummaryItem, SummaryItem.withdrawn_at.is_(None)) == 1


def test_after_the_deadline_an_incomplete_month_still_takes_materials_as_late(services, dialogue, clock):
    add_unit(services, "县委党校", liaisons=[ME])
    clock.set(shanghai(2026, 3, 27, 9, 0, 0))
    dialogue.say(ME, SUMMARY)
    [reply] = dialogue.photo(ME, jpeg_bytes())
    assert "2026年3月" in reply and "逾期报送" in reply
    [next_one] = dialogue.say(ME, "四月的第一条活动记录，组织党员志愿者清扫街道。")
    assert "2026年4月" in next_one


def test_backfill_directs_materials_to_an_earlier_month_as_late(services, dialogue, clock):
    add_unit(services, "县委党校", liaisons=[ME])
    clock.set(shanghai(2026, 4, 10, 9, 0, 0))
    [ok] = dialogue.say(ME, "补交 2026-03")
    assert "2026年3月" in ok
    dialogue.say(ME, SUMMARY)
    [reply] = dialogue.photo(ME, jpeg_bytes())
    assert "补交" in reply and "2026年3月" in reply and "逾期报送" in reply
    assert "之后的材料记入 2026年4月" in reply
    [after] = dialogue.say(ME, "这是四月份的活动内容，共计开展两次。")
    assert "2026年4月" in after


def test_a_retry_undoes_what_its_handler_wrote(services, dialogue, clock):
    # The retry of a stored message is handled again and fails on the unique id: what
    # the handler wrote on the way (here, the backfill month) must not stay.
    add_unit(services, "县委党校", liaisons=[ME])
    clock.set(shanghai(2026, 4, 10, 9, 0, 0))
    first = dialogue.say(ME, "补交 2026-03", msg_id="wx-backfill")
    dialogue.say(ME, "补交 结束", msg_id="wx-stop")
    assert dialogue.say(ME, "补交 2026-03", msg_id="wx-backfill") == first
    with UnitOfWork(services.session_factory) as uow:
        liaison = uow.session.scalars(select(Liaison)).one()
        assert liaison.backfill_month is None
    [after] = dialogue.say(ME, SUMMARY)
    assert "2026年4月" in after


def test_backfill_of_the_current_or_a_future_month_is_refused(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    [reply] = dialogue.say(ME, "补交 2026-05")
    assert "不是以前的月份" in reply
    [bad] = dialogue.say(ME, "补交 下个月")
    assert "请写明要补交的月份" in bad


def test_help_lists_every_command(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    [reply] = dialogue.say(ME, "帮助")
    for word in ("状态", "查分", "撤回", "补交", "绑定"):
        assert word in reply


def test_an_unknown_command_points_to_help_and_nothing_is_recorded(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    [reply] = dialogue.say(ME, "/排名")
    assert "没有看懂" in reply and "帮助" in reply
    assert count(services, SummaryItem) == 0


def test_emoji_only_and_empty_texts_are_answered_and_not_counted(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    for text in ("👍👍🎉", "", "  。。。  "):
        [reply] = dialogue.say(ME, text)
        assert "没有识别到文字" in reply
    assert count(services, SummaryItem) == 0
    assert count(services, InboundMessage) == 3


def test_sql_looking_text_is_just_text(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    evil = "'; DROP TABLE units; -- 本月开展志愿服务活动三次"
    [reply] = dialogue.say(ME, evil)
    assert "已记录" in reply
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalar(select(SummaryItem.text)) == evil


def test_100_kb_of_text_is_refused_with_advice_and_kept_as_a_message(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    [reply] = dialogue.say(ME, "活动" * 50_000)
    assert "超过" in reply and ".docx" in reply
    assert count(services, SummaryItem) == 0
    assert count(services, InboundMessage) == 1


def test_a_broken_image_gets_a_chinese_reason_and_is_not_counted(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    [reply] = dialogue.photo(ME, jpeg_bytes()[:500])
    assert "没有记入" in reply
    [junk] = dialogue.photo(ME, b"not an image at all")
    assert "没有记入" in junk
    assert count(services, SummaryItem) == 0


def test_the_same_photo_twice_in_a_month_counts_once(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    data = jpeg_bytes(seed=3)
    dialogue.photo(ME, data)
    [reply] = dialogue.photo(ME, data)
    assert "已经收到过" in reply
    assert count(services, SummaryItem) == 1


def test_a_txt_document_counts_as_text_once_the_worker_has_read_it(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    [reply] = dialogue.document(ME, SUMMARY.encode("utf-8"), "三月小结.txt")
    assert "已收到" in reply and "三月小结.txt" in reply and "文字 0 字" in reply
    Worker(services).run_once()
    n = len(re.sub(r"\s", "", SUMMARY))
    with UnitOfWork(services.session_factory) as uow:
        [_, read] = uow.session.scalars(select(InboundMessage.replies)).one()
    assert "三月小结.txt" in read and f"文字 {n} 字" in read


def test_a_document_of_another_type_is_refused_with_what_to_send(services, dialogue):
    add_unit(services, "县委党校", liaisons=[ME])
    [reply] = dialogue.document(ME, b"\xd0\xcf\x11\xe0 old word", "小结.doc")
    assert "没有记入" in reply and ".docx" in reply


def test_a_failure_while_handling_keeps_the_message_and_queues_a_retry(services, dialogue):
    from storage.models import WorkItem
    add_unit(services, "县委党校", liaisons=[ME])
    # A photo whose raw bytes vanished from the store: handling fails, nothing is lost.
    from bot.messages import Incoming
    msg = Incoming(channel="console", user_id="dangxiao", msg_id="lost-1", kind="photo",
                   received_at=services.clock.now(), blob_path="incoming/00/00/missing.jpg")
    [reply] = [r.text for r in services.conversation.receive(msg)]
    assert "已保存" in reply
    with UnitOfWork(services.session_factory) as uow:
        row = uow.session.scalars(select(InboundMessage)).one()
        assert row.state == "failed" and "missing" in row.error
        assert uow.session.scalars(select(WorkItem.kind)).all() == ["reprocess_inbound"]


def test_each_item_points_at_the_message_that_brought_it(services, dialogue):
    add_unit(services, "溯源单位", liaisons=["console:u1"])
    dialogue.say("console:u1", SUMMARY, msg_id="text-1")
    dialogue.photo("console:u1", jpeg_bytes(seed=7), msg_id="photo-1")
    with UnitOfWork(services.session_factory) as uow:
        pairs = uow.session.execute(
            select(InboundMessage.platform_msg_id, SummaryItem.kind)
            .join(SummaryItem, SummaryItem.inbound_id == InboundMessage.id)
            .order_by(InboundMessage.platform_msg_id)).all()
    assert [tuple(p) for p in pairs] == [("photo-1", "photo"), ("text-1", "text")]


def test_a_bind_whose_code_has_spaces_in_it_is_told_the_form_of_a_code(dialogue, services):
    [reply] = dialogue.say("console:新用户", "绑定 ' OR 1=1 --")
    assert "例如：绑定 K7P2QX9M" in reply
