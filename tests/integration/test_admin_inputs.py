"""The office's inputs through /admin: facts, media, waivers, bonus, deductions, the
spreadsheet, and the audit log that records each of them."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot import scores
from bot.app import create_app
from bot.rules import rules
from scoring import Quarter
from storage.db import UnitOfWork
from storage.models import (AuditEntry, BonusEntry, Deduction, MediaStory, MonthExcuse,
                            QuarterFactValue, Unit)
from tests.admin_support import make_users, post, sign_in, small_history

FACTS = {"annual_plan": "是", "annual_summary": "否", "materials_uploaded": "是",
         "team_flag": "是", "uniforms_sufficient": "是", "uniforms_worn": "否",
         "staff_on_post": "50", "registered_volunteers": "39", "trainings": "1",
         "service_items": "4", "services": "8", "volunteer_hours": "150.5",
         "awareness_rate": "76.5", "brand_plan": "是", "brand_promoted": "否",
         "satisfaction": "良好", "media_entered": "是", "quarter": "2026Q1"}


@pytest.fixture
def units(services, dialogue, clock):
    make_users(services)
    return small_history(services, dialogue, clock)


@pytest.fixture
def client(services, units):
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


def result(services, unit_id, quarter="2026Q1"):
    with UnitOfWork(services.session_factory) as uow:
        unit = uow.session.get(Unit, unit_id)
        return scores.unit_quarter(uow.session, unit, Quarter.parse(quarter),
                                   services.clock.now(), rules(services.config)).result


def audit(services, entity):
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalars(select(AuditEntry).where(AuditEntry.entity == entity)
                                   .order_by(AuditEntry.id)).all()


def test_the_facts_form_stores_every_fact_and_the_score_follows(services, client, units):
    unit = units["党校"]
    page = f"/admin/units/{unit}/inputs?quarter=2026Q1"
    assert result(services, unit).total == Decimal("4.5")   # only 6.1: February was late
    resp = post(client, f"/admin/units/{unit}/facts", FACTS, page=page)
    assert resp.status_code == 302
    post(client, f"/admin/units/{unit}/stories", {"story": "敬老义诊", "level": "city",
                                                  "quarter": "2026Q1"}, page=page)
    post(client, f"/admin/units/{unit}/stories", {"story": "敬老义诊", "level": "county",
                                                  "quarter": "2026Q1"}, page=page)
    assert result(services, unit).total == Decimal("64.22")  # RUBRIC.md's example
    [entry] = audit(services, "quarter_facts")
    assert entry.actor == "admin:chief" and entry.new["staff_on_post"] == 50
    html = client.get(page).get_data(as_text=True)
    assert 'value="150.50"' in html and "64.22" in html


def test_a_bad_fact_is_refused_with_its_reason_and_nothing_is_stored(services, client, units):
    unit = units["党校"]
    page = f"/admin/units/{unit}/inputs?quarter=2026Q1"
    resp = post(client, f"/admin/units/{unit}/facts",
                {**FACTS, "staff_on_post": "五十", "awareness_rate": "120"}, page=page)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "在编在岗人数：应填数字" in html and "知晓率（%）：应在0到100之间" in html
    assert 'value="五十"' in html  # what was typed stays in the form
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(QuarterFactValue)).all() == []


def test_blank_facts_stay_pending(services, client, units):
    unit = units["人社"]
    post(client, f"/admin/units/{unit}/facts", {"services": "3", "service_items": "2",
                                                "quarter": "2026Q1"},
         page=f"/admin/units/{unit}/inputs")
    items = result(services, unit).items
    assert items["3.1"].score == Decimal("15") and not items["3.1"].pending
    assert items["2.4"].pending and items["6.2"].pending


def test_a_media_story_is_deleted_with_an_audit_entry(services, client, units):
    unit = units["人社"]
    page = f"/admin/units/{unit}/inputs"
    post(client, f"/admin/units/{unit}/stories", {"story": "防诈骗讲座", "level": "province",
                                                  "published_on": "2026-02-03",
                                                  "quarter": "2026Q1"}, page=page)
    assert result(services, unit).items["5"].score == Decimal("3")
    with UnitOfWork(services.session_factory) as uow:
        story = uow.session.scalars(select(MediaStory)).one()
    post(client, f"/admin/stories/{story.id}/delete", page=page)
    assert result(services, unit).items["5"].pending
    assert [e.action for e in audit(services, "media_story")] == ["create", "delete"]


def test_waiving_a_missing_month_restores_the_half_point_and_can_be_undone(services, client,
                                                                           units):
    unit = units["团委"]
    page = f"/admin/units/{unit}/inputs"
    assert result(services, unit).items["6.1"].score == Decimal("4.5")
    resp = post(client, f"/admin/units/{unit}/excuses",
                {"month": "2026-01", "kind": "waived", "reason": "承担防汛任务"}, page=page)
    assert resp.status_code == 302
    assert result(services, unit).items["6.1"].score == Decimal("5")
    board = client.get("/admin/board?end=2026-03&span=3").get_data(as_text=True)
    assert 'st-waived" data-unit="团县委" data-month="2026-01"' in board
    post(client, f"/admin/units/{unit}/excuses/2026-01/remove", page=page)
    assert result(services, unit).items["6.1"].score == Decimal("4.5")
    entries = audit(services, "month_excuse")
    assert [(e.action, e.actor) for e in entries] == [("waived", "admin:chief"),
                                                      ("remove", "admin:chief")]
    assert entries[1].old == {"kind": "waived", "reason": "承担防汛任务"}


def test_a_future_month_can_be_exempted_but_not_waived(services, client, units):
    unit = units["人社"]
    page = f"/admin/units/{unit}/inputs?quarter=2026Q2"
    resp = post(client, f"/admin/units/{unit}/excuses",
                {"month": "2026-05", "kind": "waived", "reason": "x"}, page=page,
                follow_redirects=True)
    assert "还没到" in resp.get_data(as_text=True)
    post(client, f"/admin/units/{unit}/excuses",
         {"month": "2026-05", "kind": "exempt", "reason": "机构改革"}, page=page)
    with UnitOfWork(services.session_factory) as uow:
        assert [(e.month, e.kind) for e in uow.session.scalars(select(MonthExcuse))] == [
            ("2026-05", "exempt")]


def test_bonus_and_deductions_change_the_year_and_are_audited(services, client, units):
    unit = units["党校"]
    page = f"/admin/units/{unit}/inputs"
    form = {"quarter": "2026Q1", "year": "2026"}
    post(client, f"/admin/units/{unit}/bonus",
         {**form, "kind": "research_visit", "level": "provincial", "note": "省委宣传部调研"},
         page=page)
    post(client, f"/admin/units/{unit}/bonus", {**form, "kind": "host_event", "level": "central"},
         page=page)
    post(client, f"/admin/units/{unit}/deductions",
         {**form, "points": "0.5", "kind": "perfunctory", "reason": "活动敷衍"}, page=page)
    with UnitOfWork(services.session_factory) as uow:
        bonus = uow.session.scalars(select(BonusEntry).order_by(BonusEntry.id)).all()
        [deduction] = uow.session.scalars(select(Deduction)).all()
        row = next(r for r in scores.year_table(uow.session, 2026, services.clock.now(),
                                                rules(services.config)) if r.unit_id == unit)
    assert [(b.kind, b.level) for b in bonus] == [("research_visit", "provincial"),
                                                  ("host_event", None)]
    assert deduction.points == Decimal("0.50") and deduction.created_by == "admin:chief"
    assert (row.result.bonus, row.result.deductions) == (Decimal("2"), Decimal("0.5"))
    post(client, f"/admin/deductions/{deduction.id}/delete", form, page=page)
    post(client, f"/admin/bonus/{bonus[1].id}/delete", form, page=page)
    assert [e.action for e in audit(services, "deduction")] == ["create", "delete"]
    assert [e.action for e in audit(services, "bonus_entry")] == ["create", "create", "delete"]
    year = client.get("/admin/scores/year?year=2026").get_data(as_text=True)
    assert "县委党校" in year


@pytest.mark.parametrize("form, problem", [
    ({"kind": "research_visit", "level": ""}, "级别应为"),
    ({"kind": "lottery"}, "请选择加分类别"),
])
def test_a_bad_bonus_is_refused(services, client, units, form, problem):
    unit = units["党校"]
    resp = post(client, f"/admin/units/{unit}/bonus", {**form, "year": "2026",
                                                       "quarter": "2026Q1"},
                page=f"/admin/units/{unit}/inputs", follow_redirects=True)
    assert problem in resp.get_data(as_text=True)
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(BonusEntry)).all() == []


def test_a_deduction_needs_a_positive_amount_and_a_reason(services, client, units):
    unit = units["党校"]
    resp = post(client, f"/admin/units/{unit}/deductions",
                {"points": "-1", "kind": "materials", "reason": " ", "year": "2026"},
                page=f"/admin/units/{unit}/inputs", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "正数" in html and "必须写明扣分原因" in html


def test_the_template_downloads_and_uploads_like_the_cli(services, client, units):
    with client.get("/admin/facts/template.xlsx?quarter=2026Q1") as resp:
        assert resp.status_code == 200
        book = load_workbook(BytesIO(resp.data))
    sheet = book["季度事实"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["县委党校", "团县委", "县人社局"]
    sheet["N2"] = 11                              # 县委党校's services this quarter
    sheet["M2"] = 4                               # its order-service items
    out = BytesIO()
    book.save(out)
    out.seek(0)
    resp = post(client, "/admin/facts/import", {"quarter": "2026Q1",
                                                "file": (out, "facts.xlsx")},
                page="/admin/facts", follow_redirects=True)
    assert "导入完成" in resp.get_data(as_text=True)
    assert result(services, units["党校"]).items["3.1"].score == Decimal("30")
    assert audit(services, "quarter_facts")[0].actor == "admin:chief"


def test_a_bad_upload_lists_each_cell_and_imports_nothing(services, client, units):
    with client.get("/admin/facts/template.xlsx?quarter=2026Q1") as resp:
        book = load_workbook(BytesIO(resp.data))
    book["季度事实"]["J2"] = "很多"
    out = BytesIO()
    book.save(out)
    out.seek(0)
    resp = post(client, "/admin/facts/import", {"file": (out, "facts.xlsx")},
                page="/admin/facts")
    assert resp.status_code == 400
    assert "季度事实 第2行 J列" in resp.get_data(as_text=True)
    not_xlsx = post(client, "/admin/facts/import", {"file": (BytesIO(b"junk"), "a.xlsx")},
                    page="/admin/facts")
    assert not_xlsx.status_code == 400 and "无法读取" in not_xlsx.get_data(as_text=True)
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(QuarterFactValue)).all() == []


def test_the_audit_log_shows_who_when_old_and_new(services, client, units):
    unit = units["团委"]
    post(client, f"/admin/units/{unit}/excuses",
         {"month": "2026-01", "kind": "waived", "reason": "停电"},
         page=f"/admin/units/{unit}/inputs")
    post(client, f"/admin/units/{unit}/excuses",
         {"month": "2026-01", "kind": "waived", "reason": "停电两周"},
         page=f"/admin/units/{unit}/inputs")
    html = client.get("/admin/audit?kind=豁免与免报").get_data(as_text=True)
    assert ("2026-03-20 10:00:00，后台用户 chief 将「团县委」2026年1月设为豁免，原因：停电两周"
            "（原为豁免，原因：停电）。") in html
    assert "新建后台账号" not in html.split('<ol class="audit-log">')[1]
    assert "新建后台账号" in client.get("/admin/audit?actor=test").get_data(as_text=True)
