"""The board, a unit's page with its photos and flags, liaisons and binding codes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.office.grid import month_grid, unit_rows
from bot.rules import rules
from bot.scores import month_statuses
from scoring import Quarter
from storage.db import UnitOfWork
from storage.files import hamming
from storage.models import AuditEntry, BindingCode, Liaison, StoredFile, SummaryItem
from tests.admin_support import make_users, post, sign_in, small_history
from tests.conftest import add_unit, jpeg_bytes


@pytest.fixture
def units(services, dialogue, clock):
    make_users(services)
    return small_history(services, dialogue, clock)


@pytest.fixture
def client(services, units):
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


def cell(html: str, unit: str, month: str) -> str:
    found = re.search(rf'<td class="cell st-(\w+)" data-unit="{unit}" data-month="{month}">'
                      r'(.*?)</td>', html, re.S)
    assert found, (unit, month)
    return " ".join([found.group(1), *re.sub(r"<[^>]+>", " ", found.group(2)).split()])


def test_the_board_shows_each_month_status_and_completion_time(client):
    html = client.get("/admin/board?end=2026-03&span=3").get_data(as_text=True)
    assert cell(html, "县委党校", "2026-01") == "on_time 按时 01-10 09:00"
    assert cell(html, "县委党校", "2026-02") == "late 逾期 02-26 09:00"
    assert cell(html, "团县委", "2026-01").startswith("missing 未报")
    assert cell(html, "团县委", "2026-03").startswith("pending 未到期")
    assert 'href="/admin/units/' in html and "#m-2026-02" in html


def test_the_board_filters_by_category(client):
    html = client.get("/admin/board?category=department").get_data(as_text=True)
    assert "县人社局" in html and "县委党校" not in html


def test_the_grid_agrees_with_the_scores_own_statuses(services, units):
    quarter = Quarter(2026, 1)
    with UnitOfWork(services.session_factory) as uow:
        rows = unit_rows(uow.session)
        grid = month_grid(uow.session, rows, list(quarter.months()), services.clock.now(),
                          rules(services.config))
        expected = month_statuses(uow.session, rows, quarter, services.clock.now(),
                                  rules(services.config))
    for unit_id, by_month in expected.items():
        assert {m: grid[(unit_id, m)].status for m in by_month} == by_month


def test_a_unit_page_shows_texts_photos_receipt_times_and_the_score(client, units):
    html = client.get(f"/admin/units/{units['党校']}?quarter=2026Q1").get_data(as_text=True)
    assert 'id="m-2026-01"' in html and 'id="m-2026-02"' in html
    assert "本月组织志愿者开展敬老院义诊活动两次" in html
    assert "发送 2026-01-10 09:00:00" in html and "收到 2026-01-10 09:00:00" in html
    assert html.count('src="/admin/files/') == 2
    assert "2026年第一季度得分" in html
    assert "6.1 月度小结" in html and "2月小结逾期提交" in html


def test_photos_are_flagged_for_a_near_copy_elsewhere_and_a_capture_time_outside(client,
                                                                                 units):
    html = client.get(f"/admin/units/{units['党校']}?quarter=2026Q1").get_data(as_text=True)
    assert "与「团县委」2026年2月的照片" in html
    assert "拍摄时间 2025年12月，不在 2026年2月" in html
    other = client.get(f"/admin/units/{units['团委']}?quarter=2026Q1").get_data(as_text=True)
    assert "与「县委党校」2026年1月的照片" in other


def test_the_near_copy_is_close_in_hash_but_a_different_file(services, units):
    with UnitOfWork(services.session_factory) as uow:
        hashes = uow.session.execute(
            select(SummaryItem.unit_id, StoredFile.phash, StoredFile.sha256)
            .join(StoredFile, StoredFile.id == SummaryItem.file_id)
            .where(SummaryItem.month == "2026-01")).all() + uow.session.execute(
            select(SummaryItem.unit_id, StoredFile.phash, StoredFile.sha256)
            .join(StoredFile, StoredFile.id == SummaryItem.file_id)
            .where(SummaryItem.unit_id == units["团委"])).all()
    (_, a, sha_a), (_, b, sha_b) = hashes
    assert sha_a != sha_b and hamming(a, b) <= 6


def test_photos_are_served_to_signed_in_users_only(services, units, client):
    with UnitOfWork(services.session_factory) as uow:
        photo = uow.session.scalars(select(StoredFile).where(StoredFile.kind == "photo")).first()
    original = services.files.read(photo.path)
    with client.get(f"/admin/files/{photo.id}") as full:
        assert full.status_code == 200 and full.data == original
        assert full.mimetype == "image/jpeg" and "private" in full.headers["Cache-Control"]
    with client.get(f"/admin/files/{photo.id}/thumb") as thumb:
        assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8"
    anonymous = client.application.test_client()
    for url in (f"/admin/files/{photo.id}", f"/admin/files/{photo.id}/thumb",
                f"/static/../{photo.path}", f"/files/{photo.path}", f"/{photo.path}"):
        with anonymous.get(url) as resp:
            assert resp.status_code in (302, 404), url
            assert resp.data != original
    assert client.get("/admin/files/999999").status_code == 404


def test_a_document_downloads_with_its_name(services, dialogue, client, units):
    dialogue.document("console:renshe", "三月份活动小结全文。".encode() * 10, "三月小结.txt")
    with UnitOfWork(services.session_factory) as uow:
        doc = uow.session.scalars(select(StoredFile).where(StoredFile.kind == "document")).one()
    with client.get(f"/admin/files/{doc.id}") as resp:
        assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    page = client.get(f"/admin/units/{units['人社']}").get_data(as_text=True)
    assert "三月小结.txt" in page


def liaison_of(services, user_id):
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalars(select(Liaison).where(
            Liaison.platform_user_id == user_id)).one()


def test_liaisons_are_bound_moved_and_removed_with_audit_entries(services, client, units):
    page = f"/admin/units/{units['人社']}"
    resp = post(client, f"{page}/liaisons", {"channel": "wecom", "user_id": "lisi",
                                             "display_name": "李四"}, page=page)
    assert resp.status_code == 302
    lisi = liaison_of(services, "lisi")
    assert lisi.unit_id == units["人社"] and lisi.display_name == "李四"
    post(client, f"/admin/liaisons/{lisi.id}/move", {"unit_id": units["团委"]}, page=page)
    assert liaison_of(services, "lisi").unit_id == units["团委"]
    post(client, f"/admin/liaisons/{lisi.id}/remove", page=page)
    assert liaison_of(services, "lisi").unit_id is None
    with UnitOfWork(services.session_factory) as uow:
        entries = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "liaison").order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor) for e in entries] == [
        ("bind", "admin:chief"), ("move", "admin:chief"), ("unbind", "admin:chief")]
    assert entries[1].old == {"unit_id": units["人社"]}
    assert entries[1].new == {"unit_id": units["团委"]}


def test_a_binding_code_is_issued_shown_and_works_in_chat(services, client, dialogue, units):
    page = f"/admin/units/{units['人社']}"
    resp = post(client, f"{page}/codes", page=page, follow_redirects=True)
    code = re.search(r"绑定码 ([A-Z0-9]{8})", resp.get_data(as_text=True)).group(1)
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(BindingCode.code)).all() == [code]
        assert uow.session.scalars(select(AuditEntry.actor).where(
            AuditEntry.entity == "binding_code")).all() == ["admin:chief"]
    [reply] = dialogue.say("wecom:wangwu", f"绑定 {code}")
    assert "县人社局" in reply


def test_a_bad_liaison_form_changes_nothing(services, client, units):
    page = f"/admin/units/{units['人社']}"
    resp = post(client, f"{page}/liaisons", {"channel": "qq", "user_id": "x"}, page=page,
                follow_redirects=True)
    assert "请选择平台" in resp.get_data(as_text=True)
    assert client.get("/admin/units/999999").status_code == 404


def test_a_unit_registered_later_shows_its_early_months_as_not_judged(services, client, clock):
    unit = add_unit(services, "新单位", "stationed")  # registered 2026-03-20
    html = client.get("/admin/board?end=2026-03&span=3").get_data(as_text=True)
    assert cell(html, "新单位", "2026-02").startswith("none 未纳入")
    assert 'title="未纳入：单位于2026年3月20日登记，晚于本月小结截止"' in html
    assert cell(html, "新单位", "2026-03").startswith("pending")
    assert f"/admin/units/{unit}" in html


def test_withdrawn_items_stay_visible_as_withdrawn(services, dialogue, client, units):
    dialogue.photo("console:renshe", jpeg_bytes(seed=9))
    dialogue.say("console:renshe", "撤回")
    html = client.get(f"/admin/units/{units['人社']}").get_data(as_text=True)
    assert "已撤回" in html


def test_a_quarter_beyond_the_years_a_page_shows_gives_the_current_one(services):
    make_users(services)
    unit = add_unit(services, "县委党校")
    client = create_app(services=services).test_client()
    sign_in(client)
    for quarter in ("9999Q4", "0001Q1"):
        page = client.get(f"/admin/units/{unit}/inputs?quarter={quarter}")
        assert page.status_code == 200 and "2026年第一季度" in page.get_data(as_text=True)


def test_a_unit_name_with_markup_is_written_escaped_in_every_board_cell_and_table_row(
        services, client):
    add_unit(services, "<b>县民政局</b><script>alert(1)</script>", "department")
    escaped = "&lt;b&gt;县民政局&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    for page, times in (("/admin/board?end=2026-03&span=12", 12 + 1),
                        ("/admin/scores?quarter=2026Q1", 2), ("/admin/scores/year?year=2026", 1)):
        html = client.get(page).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<b>县民政局" not in html, page
        assert html.count(escaped) >= times, page
