"""Appeals (申诉) on a real database: a liaison appeals about a month in chat (the month
named, or the latest one that cost points), the office decides in the console — waive the
month through the waiver path, or keep the judgement — and the liaison is told; the whole
trail is in the audit log and on the unit page.

县委党校 since September 2026: September and October missed (nothing sent), November on
time. The clock stands at 2 December 2026.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot import scores
from bot.app import create_app
from bot.office.audit_log import known_names
from bot.office.audit_sentences import sentence
from bot.rules import rules
from bot.worker import Worker
from scoring import Quarter
from storage.db import UnitOfWork
from storage.models import Appeal, AuditEntry, MonthExcuse, OutboxMessage, Unit
from tests.admin_support import VIEWER, make_users, post, sign_in
from tests.conftest import SUMMARY, add_unit, jpeg_bytes, shanghai
from tests.integration.test_reviews import pack_sheet

ME = "console:dangxiao"


@pytest.fixture
def office(services, dialogue, clock):
    clock.set(shanghai(2026, 9, 1, 9, 0, 0))
    make_users(services)
    unit_id = add_unit(services, "县委党校", "key", [ME])
    clock.set(shanghai(2026, 11, 10, 9, 0, 0))
    dialogue.say(ME, SUMMARY)
    dialogue.photo(ME, jpeg_bytes(seed=1))
    clock.set(shanghai(2026, 12, 2, 10, 0, 0))
    client = create_app(services=services).test_client()
    sign_in(client)
    client.unit_id = unit_id
    return client


def appeals(services) -> list[tuple[str, str, str]]:
    with UnitOfWork(services.session_factory) as uow:
        return [(a.month, a.text, a.state) for a in uow.session.scalars(
            select(Appeal).order_by(Appeal.id))]


def decide(client, appeal_id: int, decision: str, reason: str):
    return post(client, f"/admin/appeals/{appeal_id}/decide",
                {"decision": decision, "reason": reason}, page="/admin/appeals")


def october(services, unit_id) -> tuple[str, object]:
    """October's status as the tables read it, and the quarter's total."""
    with UnitOfWork(services.session_factory) as uow:
        unit = uow.session.get(Unit, unit_id)
        now, r = services.clock.now(), rules(services.config)
        statuses = scores.month_statuses(uow.session, [unit], Quarter(2026, 4), now, r)
        total = scores.unit_quarter(uow.session, unit, Quarter(2026, 4), now, r).total
    return statuses[unit_id]["2026-10"], total


def sentences(services) -> list[str]:
    with UnitOfWork(services.session_factory) as uow:
        entries = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        names = known_names(uow.session, services.conversation.rules.rubric, entries)
        return [sentence(e, names) for e in entries]


def pushed(services) -> list[str]:
    Worker(services).run_once(limit=20)
    with UnitOfWork(services.session_factory) as uow:
        return [o.text for o in uow.session.scalars(select(OutboxMessage)
                                                   .order_by(OutboxMessage.id))]


def test_an_appeal_without_a_month_is_about_the_latest_month_that_cost_points(
        services, office, dialogue):
    [answer] = dialogue.say(ME, "申诉 当月25日全县停电，无法上传材料")
    assert appeals(services) == [("2026-10", "当月25日全县停电，无法上传材料", "open")]
    assert answer.startswith("已收到您的申诉（编号 ")
    assert "「县委党校」2026年10月" in answer
    assert "该月目前：未齐全，已逾期" in answer
    assert "中心办公室处理后，会在这里告诉您结果。" in answer


@pytest.mark.parametrize("text, month, words", [
    ("申诉 11月 照片被误判", "2026-11", "照片被误判"),
    ("申诉：2026-09，九月材料已纸质报送，请核实。", "2026-09", "九月材料已纸质报送，请核实。"),
    ("申诉 2026年9月份 已纸质报送", "2026-09", "已纸质报送"),
    ("/申诉 ９月的：已纸质报送", "2026-09", "已纸质报送")])
def test_an_appeal_names_its_month_as_a_liaison_writes_it(services, office, dialogue, text,
                                                          month, words):
    dialogue.say(ME, text)
    assert appeals(services) == [(month, words, "open")]


@pytest.mark.parametrize("text", ["申诉", "申诉：", "申诉 11月", "申诉 😀"])
def test_an_empty_appeal_is_told_what_to_write(services, office, dialogue, text):
    [answer] = dialogue.say(ME, text)
    assert answer.startswith("请在「申诉」后面写明月份和理由，例如：申诉 11月")
    assert appeals(services) == []


def test_an_unbound_user_appealing_is_told_how_to_bind(services, office, dialogue):
    [answer] = dialogue.say("console:stranger", "申诉 11月 材料已报送")
    assert answer.startswith("您还没有绑定单位") and "绑定 绑定码" in answer
    assert appeals(services) == []


def test_an_appeal_about_a_month_to_come_is_refused(services, office, dialogue):
    [answer] = dialogue.say(ME, "申诉 2027-01 提前说明")
    assert "2027年1月还没到，不能申诉" in answer and appeals(services) == []


def test_waiving_an_appeal_waives_its_month_and_changes_the_score(services, office, dialogue):
    dialogue.say(ME, "申诉 10月 当月停电两周")
    before = october(services, office.unit_id)
    assert before[0] == "missing"
    [appeal_id] = [a.id for a in _rows(services)]
    assert decide(office, appeal_id, "waive", "停电属实").status_code == 302
    after = october(services, office.unit_id)
    assert after[0] == "waived"
    assert before[1] is not None and after[1] - before[1] == 0.5   # one miss less
    with UnitOfWork(services.session_factory) as uow:
        [excuse] = uow.session.scalars(select(MonthExcuse)).all()
        assert (excuse.kind, excuse.reason) == ("waived", f"申诉 #{appeal_id}：停电属实")
    assert appeals(services)[0][2] == "waived"


def test_keeping_an_appeal_changes_nothing_but_its_state(services, office, dialogue):
    dialogue.say(ME, "申诉 10月 忘记报送了")
    before = october(services, office.unit_id)
    [appeal_id] = [a.id for a in _rows(services)]
    decide(office, appeal_id, "keep", "理由不属于豁免情形")
    assert october(services, office.unit_id) == before
    assert appeals(services)[0][2] == "kept"
    again = decide(office, appeal_id, "waive", "再议")
    assert "已经处理过了" in office.get(again.location).get_data(as_text=True)
    assert october(services, office.unit_id) == before


def test_the_liaison_is_told_the_decision(services, office, dialogue):
    dialogue.say(ME, "申诉 10月 当月停电两周")
    dialogue.say(ME, "申诉 9月 九月材料已纸质报送")
    first, second = [a.id for a in _rows(services)]
    decide(office, first, "waive", "停电属实")
    decide(office, second, "keep", "未见纸质材料")
    told = pushed(services)
    assert len(told) == 2
    assert told[0].startswith("【申诉处理结果】您对「县委党校」2026年10月的申诉（2026-12-02 10:00 提交）"
                              "已处理：中心办公室决定豁免该月，该月不再扣分。")
    assert "理由：停电属实" in told[0]
    assert "中心办公室决定维持原判定。\n理由：未见纸质材料" in told[1]


def test_the_whole_trail_is_in_the_audit_log_and_on_the_unit_page(services, office, dialogue,
                                                                    clock):
    dialogue.say(ME, "申诉 10月 当月停电两周")
    [appeal_id] = [a.id for a in _rows(services)]
    clock.set(shanghai(2026, 12, 3, 9, 0, 0))
    decide(office, appeal_id, "waive", "停电属实")
    said = sentences(services)
    assert (f"2026-12-02 10:00:00，联络员 dangxiao（网页控制台）就「县委党校」2026年10月提出申诉"
            f"（#{appeal_id}）：当月停电两周。") in said
    assert (f"2026-12-03 09:00:00，后台用户 chief 将「县委党校」2026年10月设为豁免，原因："
            f"申诉 #{appeal_id}：停电属实。") in said
    assert (f"2026-12-03 09:00:00，后台用户 chief 处理「县委党校」2026年10月的申诉（#{appeal_id}）："
            "豁免该月，原因：停电属实。") in said
    page = office.get(f"/admin/units/{office.unit_id}?quarter=2026Q4").get_data(as_text=True)
    assert (f"申诉 #{appeal_id}</strong>（2026-12-02 10:00:00）：当月停电两周\n"
            "      —— 已豁免（2026-12-03 09:00:00，chief）：停电属实") in page
    trail = pack_sheet(office, office.unit_id, "审核与申诉")
    assert trail[1:] == [
        ["2026-12-02 10:00:00", "2026年10月", f"申诉 #{appeal_id}", "当月停电两周", "联络员"],
        ["2026-12-03 09:00:00", "2026年10月", f"申诉 #{appeal_id} 处理", "豁免该月，理由：停电属实",
         "后台用户 chief"]]
    assert pack_sheet(office, office.unit_id, "月度情况")[1][1] == "已豁免"


def test_every_page_counts_the_open_appeals_and_the_list_shows_them(services, office,
                                                                     dialogue):
    assert "待处理的申诉" not in office.get("/admin/board").get_data(as_text=True)
    dialogue.say(ME, "申诉 10月 当月停电两周")
    dialogue.say(ME, "申诉 9月 九月材料已纸质报送")
    for page in ("/admin/board", "/admin/audit", "/admin/scores"):
        html = office.get(page).get_data(as_text=True)
        assert re.search(r'title="待处理的申诉">2</span>', html), page
    listing = office.get("/admin/appeals").get_data(as_text=True)
    assert listing.count('class="row decide"') == 2 and "当月停电两周" in listing
    decide(office, _rows(services)[0].id, "keep", "不符合")
    assert 'title="待处理的申诉">1</span>' in office.get("/admin/appeals").get_data(as_text=True)
    everything = office.get("/admin/appeals?show=all").get_data(as_text=True)
    assert "维持原判定（" in everything and "不符合" in everything


def test_a_decision_needs_a_reason_and_a_viewer_may_not_decide(services, office, dialogue):
    dialogue.say(ME, "申诉 10月 当月停电两周")
    [appeal_id] = [a.id for a in _rows(services)]
    refused = decide(office, appeal_id, "waive", " ")
    assert "请选择豁免或维持原判定，并写明理由" in office.get(refused.location).get_data(as_text=True)
    viewer = create_app(services=services).test_client()
    sign_in(viewer, VIEWER)
    assert decide(viewer, appeal_id, "waive", "停电属实").status_code == 403
    assert appeals(services)[0][2] == "open"


def _rows(services) -> list[Appeal]:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalars(select(Appeal).order_by(Appeal.id)).all()
