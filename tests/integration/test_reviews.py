"""The office returns a unit's month (退回) with a reason, or marks it reviewed (已审核),
through the console, on a real database: the month is incomplete from the return until
the liaison sends materials after it; a fix within [review] fix_working_days working days
keeps the completion time, a later one counts from the fix; the liaison is told at once
through the notices; every step is an audit sentence; receipts and 状态 say it.

November 2026: the summary is due before the 25th (a Wednesday). A return on Thursday the
12th may be fixed until Tuesday the 17th (three working days: Fri 13, Mon 16, Tue 17).
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import scores
from bot.app import create_app
from bot.office.audit_sentences import sentence
from bot.office.audit_log import known_names
from bot.rules import rules
from bot.summaries import month_state
from bot.worker import Worker
from scoring import Month, MonthStatus, Quarter
from storage.db import UnitOfWork
from storage.models import AuditEntry, MonthReview, Notice, OutboxMessage, Unit
from tests.admin_support import make_users, post, sign_in
from tests.conftest import SUMMARY, add_unit, jpeg_bytes, shanghai

NOVEMBER = Month(2026, 11)
ME = "console:dangxiao"


@pytest.fixture
def office(services, dialogue, clock):
    """县委党校 since September, November complete on the 10th at 09:00; an admin signed in."""
    clock.set(shanghai(2026, 9, 1, 9, 0, 0))
    make_users(services)
    unit_id = add_unit(services, "县委党校", "key", [ME])
    clock.set(shanghai(2026, 11, 10, 9, 0, 0))
    dialogue.say(ME, SUMMARY)
    dialogue.photo(ME, jpeg_bytes(seed=1))
    client = create_app(services=services).test_client()
    sign_in(client)
    client.unit_id = unit_id
    return client


def give_back(client, when, clock, reasons=("unrelated_photos",), note="请换成活动现场照片",
              month=NOVEMBER):
    clock.set(when)
    page = f"/admin/units/{client.unit_id}?quarter={month.quarter}"
    return post(client, f"/admin/units/{client.unit_id}/months/{month}/return",
                {"reasons": list(reasons), "note": note}, page=page)


def state(services, unit_id, month=NOVEMBER):
    with UnitOfWork(services.session_factory) as uow:
        return month_state(uow.session, unit_id, month, services.clock.now(),
                           rules(services.config).deadline, rules(services.config).completion)


def sentences(services) -> list[str]:
    with UnitOfWork(services.session_factory) as uow:
        entries = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        names = known_names(uow.session, services.conversation.rules.rubric, entries)
        return [sentence(e, names) for e in entries]


def pushed(services) -> list[tuple[str, str]]:
    Worker(services).run_once(limit=20)
    with UnitOfWork(services.session_factory) as uow:
        return [(o.user_id, o.text) for o in uow.session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id))]


def test_a_returned_month_is_incomplete_until_the_liaison_sends_materials_after_it(
        services, office, clock, dialogue):
    assert state(services, office.unit_id).status is MonthStatus.ON_TIME
    answer = give_back(office, shanghai(2026, 11, 12, 10, 0, 0), clock)
    assert answer.status_code == 302
    returned = state(services, office.unit_id)
    assert returned.completed_at is None and returned.status is MonthStatus.PENDING
    [status] = dialogue.say(ME, "状态")
    assert ("状态：已退回：照片与活动无关；请换成活动现场照片；请在11月17日（含当日）前补交，"
            "补交后按原完成时间计") in status
    clock.set(shanghai(2026, 11, 25, 10, 0, 0))
    assert state(services, office.unit_id).status is MonthStatus.MISSING
    with UnitOfWork(services.session_factory) as uow:
        unit = uow.session.get(Unit, office.unit_id)
        statuses = scores.month_statuses(uow.session, [unit], Quarter(2026, 4), clock.now(),
                                         rules(services.config))
    assert statuses[office.unit_id]["2026-11"] == "missing"   # what 查分 and the tables read


def test_a_fix_within_the_working_days_keeps_the_original_completion_time(
        services, office, clock, dialogue):
    give_back(office, shanghai(2026, 11, 12, 10, 0, 0), clock)
    clock.set(shanghai(2026, 11, 17, 23, 0, 0))              # the last day, late evening
    [receipt] = dialogue.photo(ME, jpeg_bytes(seed=2))
    fixed = state(services, office.unit_id)
    assert fixed.completed_at == shanghai(2026, 11, 10, 9, 0, 0)
    assert fixed.status is MonthStatus.ON_TIME and fixed.fix.in_time
    assert "状态：已补交，按原完成时间计；已齐全，按时报送（完成于 2026-11-10 09:00:00" in receipt


def test_a_fix_after_the_working_days_counts_from_the_fix_and_may_be_late(
        services, office, clock, dialogue):
    give_back(office, shanghai(2026, 11, 24, 16, 0, 0), clock)   # fix by Fri 27th
    clock.set(shanghai(2026, 11, 30, 9, 30, 0))
    [receipt] = dialogue.say(ME, "补充：本月活动现场照片已重新拍摄，附活动签到表。")
    fixed = state(services, office.unit_id)
    assert fixed.completed_at == shanghai(2026, 11, 30, 9, 30, 0)
    assert fixed.status is MonthStatus.LATE and not fixed.fix.in_time
    assert "已补交（超过11月27日的补交期限），按补交时间计；已齐全，逾期报送" in receipt


def test_the_liaison_reads_the_return_and_its_reason_at_once(services, office, clock):
    give_back(office, shanghai(2026, 11, 12, 10, 0, 0), clock,
              reasons=("unrelated_photos", "padded_text"), note="")
    [(user, text)] = pushed(services)
    assert user == "dangxiao"
    assert text.startswith("【小结退回】「县委党校」2026年11月的小结被中心办公室退回。")
    assert "原因：照片与活动无关；文字凑字数、内容空泛" in text
    assert "请在11月17日（含当日）前补交：直接发送修改后的文字或图片即可" in text
    with UnitOfWork(services.session_factory) as uow:
        [notice] = uow.session.scalars(select(Notice)).all()
        assert (notice.kind, notice.state, notice.period) == ("returned", "sent", "2026-11")


def test_a_return_of_an_earlier_month_says_how_to_send_it_there(services, office, clock):
    give_back(office, shanghai(2026, 12, 2, 10, 0, 0), clock, note="文字与活动无关")
    [(_, text)] = pushed(services)
    assert "先发送「补交 11月」，再发送修改后的文字或图片" in text


def test_a_return_and_a_reviewed_mark_are_audited_as_sentences(services, office, clock,
                                                                 dialogue):
    give_back(office, shanghai(2026, 11, 12, 10, 0, 0), clock)
    clock.set(shanghai(2026, 11, 13, 9, 0, 0))
    dialogue.photo(ME, jpeg_bytes(seed=3))
    clock.set(shanghai(2026, 11, 13, 15, 0, 0))
    post(office, f"/admin/units/{office.unit_id}/months/2026-11/reviewed",
         page=f"/admin/units/{office.unit_id}")
    said = sentences(services)
    assert ("2026-11-12 10:00:00，后台用户 chief 退回「县委党校」2026年11月的小结，原因："
            "照片与活动无关；请换成活动现场照片；2026-11-17（含当日）前补交的按原完成时间计。"
            ) in said
    assert "2026-11-13 15:00:00，后台用户 chief 将「县委党校」2026年11月的小结标记为已审核。" in said
    [status] = dialogue.say(ME, "状态")
    assert "状态：中心办公室已审核；已补交，按原完成时间计；已齐全，按时报送" in status


def test_the_unit_page_shows_the_trail_and_the_forms(services, office, clock, dialogue):
    give_back(office, shanghai(2026, 11, 12, 10, 0, 0), clock)
    page = office.get(f"/admin/units/{office.unit_id}?quarter=2026Q4").get_data(as_text=True)
    assert "退回</strong>（2026-11-12 10:00:00，chief）：照片与活动无关；请换成活动现场照片" in page
    assert "尚未补交，该月目前按未齐全计" in page
    assert "已退回，等待联络员补交。" in page
    clock.set(shanghai(2026, 11, 16, 9, 0, 0))
    dialogue.photo(ME, jpeg_bytes(seed=4))
    page = office.get(f"/admin/units/{office.unit_id}?quarter=2026Q4").get_data(as_text=True)
    assert "联络员已于 2026-11-16 09:00:00 补交，已补交，按原完成时间计" in page
    assert 'name="reasons" value="padded_text"' in page


def test_a_reviewed_mark_waits_for_the_fix_and_a_second_return_for_the_first_fix(
        services, office, clock):
    give_back(office, shanghai(2026, 11, 12, 10, 0, 0), clock)
    page = f"/admin/units/{office.unit_id}"
    answer = post(office, f"{page}/months/2026-11/reviewed", page=page, follow_redirects=True)
    assert "已退回、尚未补交，不能标记为已审核" in answer.get_data(as_text=True)
    again = give_back(office, shanghai(2026, 11, 12, 11, 0, 0), clock)
    assert again.status_code == 302
    with UnitOfWork(services.session_factory) as uow:
        assert [r.kind for r in uow.session.scalars(select(MonthReview))] == ["returned"]


def test_a_return_needs_a_reason_and_materials(services, office, clock):
    answer = give_back(office, shanghai(2026, 11, 12, 10, 0, 0), clock, reasons=(), note=" ")
    assert answer.status_code == 302
    assert "请选择退回原因" in office.get(answer.location).get_data(as_text=True)
    empty = give_back(office, shanghai(2026, 11, 12, 10, 0, 0), clock, month=Month(2026, 10))
    assert "还没有收到材料，无需审核" in office.get(empty.location).get_data(as_text=True)
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(MonthReview)).all() == []


def test_a_viewer_may_not_return_a_month(services, office, clock):
    from tests.admin_support import VIEWER
    viewer = create_app(services=services).test_client()
    sign_in(viewer, VIEWER)
    answer = post(viewer, f"/admin/units/{office.unit_id}/months/2026-11/return",
                  {"reasons": ["unrelated_photos"]})
    assert answer.status_code == 403


def pack_sheet(client, unit_id: int, sheet: str) -> list[list]:
    import zipfile
    from io import BytesIO

    from openpyxl import load_workbook
    with client.get(f"/admin/evidence/{unit_id}.zip?quarter=2026Q4") as resp:
        data = resp.data
    with zipfile.ZipFile(BytesIO(data)) as pack:
        book = load_workbook(BytesIO(pack.read("县委党校/回执清单.xlsx")))
    return [[c.value for c in row] for row in book[sheet].iter_rows()]


def test_the_evidence_pack_lists_the_return_the_fix_and_the_reviewed_mark(
        services, office, clock, dialogue):
    give_back(office, shanghai(2026, 11, 12, 10, 0, 0), clock)
    clock.set(shanghai(2026, 11, 16, 9, 0, 0))
    dialogue.photo(ME, jpeg_bytes(seed=5))
    clock.set(shanghai(2026, 11, 16, 15, 0, 0))
    post(office, f"/admin/units/{office.unit_id}/months/2026-11/reviewed",
         page=f"/admin/units/{office.unit_id}")
    assert pack_sheet(office, office.unit_id, "审核与申诉") == [
        ["时间", "月份", "事项", "内容", "经办"],
        ["2026-11-12 10:00:00", "2026年11月", "退回", "照片与活动无关；请换成活动现场照片",
         "后台用户 chief"],
        ["2026-11-16 09:00:00", "2026年11月", "补交",
         "11月17日（含当日）前补交按原完成时间计；已补交，按原完成时间计", "联络员"],
        ["2026-11-16 15:00:00", "2026年11月", "已审核", None, "后台用户 chief"]]
    months = pack_sheet(office, office.unit_id, "月度情况")
    assert months[2][:3] == ["2026年11月", "按时", "2026-11-10 09:00:00"]


def test_a_reminder_to_a_unit_whose_return_is_unfixed_says_so(services, office, clock):
    from bot.worker.scheduler import Leadership, run_due
    give_back(office, shanghai(2026, 11, 12, 10, 0, 0), clock)
    pushed(services)                                   # the return's notice
    clock.set(shanghai(2026, 11, 20, 9, 10, 0))
    run_due(services, Leadership(services.engine))
    told = [text for _, text in pushed(services)]
    assert told[-1].startswith("【月度小结提醒】2026年11月活动小结已被中心办公室退回，还没有补交。")


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "2026-13", "abc"])
def test_a_return_of_a_month_out_of_range_is_refused_in_words(services, office, month):
    answer = post(office, f"/admin/units/{office.unit_id}/months/{month}/return",
                  {"reasons": ["unrelated_photos"]}, follow_redirects=True)
    assert answer.status_code == 200 and "月份不对" in answer.get_data(as_text=True)


def test_an_earlier_month_returned_is_owed_and_bujiao_moves_the_fix_there(
        services, office, clock, dialogue):
    give_back(office, shanghai(2026, 12, 2, 10, 0, 0), clock)     # fix by Monday 7 December
    clock.set(shanghai(2026, 12, 2, 10, 5, 0))
    [receipt] = dialogue.say(ME, "十一月活动现场照片已补拍，附签到表，服务老人八十余人次。")
    assert "2026年11月小结尚未报齐（已逾期）" in receipt and "「补交 11月」" in receipt
    clock.set(shanghai(2026, 12, 2, 10, 8, 0))
    [moved] = dialogue.say(ME, "补交 11月")
    assert "从2026年12月移到2026年11月" in moved
    fixed = state(services, office.unit_id)
    assert fixed.completed_at == shanghai(2026, 11, 10, 9, 0, 0) and fixed.fix.in_time
    assert fixed.status is MonthStatus.ON_TIME
