"""/admin with quarters before the units were on the bot: 未纳入 with its reason, and a
quarter total entered by hand on the inputs page (手工录入), audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import create_app
from storage.db import UnitOfWork
from storage.models import AuditEntry, QuarterTotal
from tests.admin_support import VIEWER, make_users, post, sign_in, small_history


@pytest.fixture
def units(services, dialogue, clock):
    make_users(services)
    return small_history(services, dialogue, clock)  # registered 2026-01-01


@pytest.fixture
def client(services, units):
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


def enter_total(client, unit_id, quarter="2025Q4", total="86.5", reason="按原办法考核"):
    page = f"/admin/units/{unit_id}/inputs?quarter={quarter}"
    return post(client, f"/admin/units/{unit_id}/quarter-total",
                {"quarter": quarter, "total": total, "reason": reason}, page=page)


def test_a_quarter_before_registration_shows_as_not_assessed_everywhere(client, units):
    scores_page = client.get("/admin/scores?quarter=2025Q4").get_data(as_text=True)
    assert scores_page.count("未纳入：单位于2026年1月登记") == 3
    assert "<td>—</td>" in scores_page
    unit_page = client.get(f"/admin/units/{units['党校']}?quarter=2025Q4").get_data(as_text=True)
    assert "未纳入" in unit_page and "单位于2026年1月登记" in unit_page
    assert "第 1 名" not in unit_page
    year_page = client.get("/admin/scores/year?year=2025").get_data(as_text=True)
    assert 'title="未纳入：单位于2026年1月登记"' in year_page
    assert "<strong>" not in year_page.split("<tbody>", 1)[1]  # no annual total shown
    csv = client.get("/admin/scores/export.csv?quarter=2025Q4").data.decode("utf-8-sig")
    fields = csv.splitlines()[1].split(",")
    assert all(f.startswith('"') and f.endswith('"') for f in fields)  # every field quoted
    assert '"未纳入：单位于2026年1月登记"' in fields


def test_the_office_enters_a_quarter_total_by_hand_and_it_is_ranked_and_marked(
        services, client, units):
    unit = units["党校"]
    page = f"/admin/units/{unit}/inputs?quarter=2025Q4"
    form = client.get(page).get_data(as_text=True)
    assert "手工录入季度总分" in form and 'name="total"' in form
    assert enter_total(client, unit).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "当前：<strong>86.5</strong> 分，原因：按原办法考核（admin:chief" in html
    assert '<span class="tag by-hand">手工录入</span>' in html
    table = client.get("/admin/scores?quarter=2025Q4").get_data(as_text=True)
    assert "手工录入：按原办法考核（逐项得分不适用）" in table
    assert table.count("未纳入：单位于2026年1月登记") == 2
    year = client.get("/admin/scores/year?year=2025").get_data(as_text=True)
    assert "2025年（按第四季度平均）" in year and "86.5" in year
    with UnitOfWork(services.session_factory) as uow:
        [entry] = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "quarter_total")).all()
        assert (entry.actor, entry.action, entry.new["total"]) == ("admin:chief", "set", "86.50")
    removed = post(client, f"/admin/units/{unit}/quarter-total/remove", {"quarter": "2025Q4"},
                   page=page, follow_redirects=True)
    assert "已删除「县委党校」2025年第四季度手工录入的总分" in removed.get_data(as_text=True)
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(QuarterTotal)).all() == []


def test_a_hand_entered_total_without_a_reason_is_refused(services, client, units):
    resp = enter_total(client, units["党校"], total="九十", reason=" ")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "总分应填数字" in html and "手工录入总分必须写明原因" in html
    assert 'value="九十"' in html
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(QuarterTotal)).all() == []


def test_a_viewer_sees_a_hand_entered_total_but_cannot_enter_one(services, client, units):
    enter_total(client, units["党校"])
    viewer = create_app(services=services).test_client()
    sign_in(viewer, VIEWER)
    page = f"/admin/units/{units['党校']}/inputs?quarter=2025Q4"
    html = viewer.get(page).get_data(as_text=True)
    assert "当前：<strong>86.5</strong>" in html and 'name="total"' not in html
    assert post(viewer, f"/admin/units/{units['团委']}/quarter-total",
                {"quarter": "2025Q4", "total": "80", "reason": "x"}, page=page).status_code == 403
