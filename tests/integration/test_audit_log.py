"""The audit log in /admin: each change a Chinese sentence, filtered by unit, person, kind of
change and Shanghai date, a page at a time, and exported to xlsx with the same filter; every
writer that concerns a unit records it, and the migration finds it for older entries."""
from __future__ import annotations

import html as markup
import re
from io import BytesIO

import pytest
from alembic import command
from openpyxl import load_workbook
from sqlalchemy import func, inspect, select

from bot import audit
from bot.app import create_app
from bot.demo import load_demo
from bot.office.audit_log import known_names
from bot.office.audit_sentences import what
from storage.db import UnitOfWork, alembic_config, make_engine
from storage.models import AuditEntry, BonusEntry, Deduction, Liaison, MediaStory
from tests.admin_support import VIEWER, make_users, post, sign_in, small_history
from tests.conftest import SUMMARY, add_unit, shanghai

ITEM = re.compile(r'<li><span class="tag">([^<]*)</span> ([^<]*)</li>')
ZHANGSAN = "liaison:wecom:ZhangSan"


@pytest.fixture
def units(services, dialogue, clock):
    """small_history, then: 团县委's January waived at 07:00 Shanghai (23:00 UTC the day
    before) and again at 10:00 with a new reason; 张三 bound to 县委党校 in the console, who
    sends a text and withdraws it."""
    make_users(services)
    units = small_history(services, dialogue, clock)
    client = create_app(services=services).test_client()
    sign_in(client)
    inputs = f"/admin/units/{units['团委']}/inputs"
    clock.set(shanghai(2026, 3, 20, 7, 0, 0))
    post(client, f"/admin/units/{units['团委']}/excuses",
         {"month": "2026-01", "kind": "waived", "reason": "停电"}, page=inputs)
    clock.set(shanghai(2026, 3, 20, 10, 0, 0))
    post(client, f"/admin/units/{units['团委']}/excuses",
         {"month": "2026-01", "kind": "waived", "reason": "停电两周"}, page=inputs)
    page = f"/admin/units/{units['党校']}"
    post(client, f"{page}/liaisons", {"channel": "wecom", "user_id": "ZhangSan",
                                      "display_name": "张三"}, page=page)
    dialogue.say("wecom:ZhangSan", SUMMARY)
    dialogue.say("wecom:ZhangSan", "撤回")
    return units


@pytest.fixture
def client(services, units):
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


def shown(client, query: str = "") -> list[tuple[str, str]]:
    """The (kind, sentence) of each entry the page lists."""
    resp = client.get(f"/admin/audit{query}")
    assert resp.status_code == 200, query
    return [(markup.unescape(k), markup.unescape(s))
            for k, s in ITEM.findall(resp.get_data(as_text=True))]


def test_each_entry_reads_as_a_sentence_with_shanghai_time_and_names(client):
    html = client.get("/admin/audit").get_data(as_text=True)
    assert shown(client) == [
        ("报送材料", "2026-03-20 10:00:00，联络员张三撤回「县委党校」2026年3月的一条文字。"),
        ("单位与联络员", "2026-03-20 10:00:00，后台用户 chief 将联络员张三绑定到「县委党校」，"
                        "姓名记为「张三」。"),
        ("豁免与免报", "2026-03-20 10:00:00，后台用户 chief 将「团县委」2026年1月设为豁免，"
                      "原因：停电两周（原为豁免，原因：停电）。"),
        ("豁免与免报", "2026-03-20 07:00:00，后台用户 chief 将「团县委」2026年1月设为豁免，原因：停电。"),
        ("后台账号", "2026-03-20 10:00:00，test 新建后台账号「reader」（只读）。"),
        ("后台账号", "2026-03-20 10:00:00，test 新建后台账号「chief」（管理员）。"),
    ]
    listed = html.split('<ol class="audit-log">')[1]
    assert not re.search(r"month_excuse|withdraw|:2026-01|[{}]|liaison:|admin:", listed)


@pytest.mark.parametrize("query, first_words", [
    ("?unit={团委}", ["将「团县委」2026年1月设为豁免，原因：停电两周", "将「团县委」2026年1月设为豁免，原因：停电。"]),
    ("?unit={党校}", ["撤回「县委党校」", "将联络员张三绑定到「县委党校」"]),
    ("?unit={人社}", []),
    (f"?actor={ZHANGSAN}", ["撤回「县委党校」"]),
    ("?actor=admin:chief&kind=单位与联络员", ["将联络员张三绑定到"]),
    ("?kind=报送材料", ["撤回「县委党校」"]),
    ("?kind=后台账号&unit={团委}", []),
    ("?first=2026-03-20&last=2026-03-20&kind=豁免与免报", ["停电两周", "原因：停电。"]),
    ("?last=2026-03-19", []),                     # 07:00 in Shanghai is the 20th, not the 19th
    ("?first=2026-03-21", []),
])
def test_the_filters_find_by_unit_person_kind_and_shanghai_day(client, units, query,
                                                               first_words):
    found = [s for _, s in shown(client, query.format(**units))]
    assert len(found) == len(first_words), found
    assert all(words in s for words, s in zip(first_words, found)), found


def test_the_person_filter_lists_people_in_words_and_keeps_the_choice(client):
    html = client.get(f"/admin/audit?actor={ZHANGSAN}").get_data(as_text=True)
    assert f'<option value="{ZHANGSAN}" selected>联络员张三</option>' in html
    assert '<option value="admin:chief" >后台用户 chief</option>' in html
    assert "共 1 条" in html


@pytest.mark.parametrize("query", ["?unit=abc", "?unit=99999999999", "?kind=unit",
                                   "?first=2026-13-01", "?first=2026-03-02&last=2026-03-01",
                                   "?last=0001-01-01"])
def test_a_filter_the_form_cannot_send_gets_a_chinese_400(client, query):
    for path in ("/admin/audit", "/admin/audit/export.xlsx"):
        resp = client.get(path + query)
        assert resp.status_code == 400 and "筛选条件有误" in resp.get_data(as_text=True)


def test_the_export_holds_the_filtered_entries_as_text_cells(services, client, units):
    resp = client.get(f"/admin/audit/export.xlsx?unit={units['团委']}")
    assert resp.status_code == 200
    assert "filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97-20260320.xlsx" in \
        resp.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(resp.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["时间", "操作人", "单位", "类别", "记录"]
    assert rows[1][:4] == ["2026-03-20 10:00:00", "后台用户 chief", "团县委", "豁免与免报"]
    assert rows[2][0] == "2026-03-20 07:00:00" and rows[2][4].endswith("原因：停电。")
    assert len(rows) == 3
    assert {c.data_type for row in sheet.iter_rows() for c in row} == {"s"}
    everything = load_workbook(BytesIO(client.get("/admin/audit/export.xlsx").data)).active
    assert everything.max_row == 7


def test_a_viewer_reads_and_exports_the_log(services, units):
    viewer = create_app(services=services).test_client()
    sign_in(viewer, VIEWER)
    assert viewer.get("/admin/audit?kind=报送材料").status_code == 200
    assert viewer.get("/admin/audit/export.xlsx").status_code == 200


def test_pages_keep_the_filter_past_the_last_is_404_and_the_export_holds_every_entry(
        services, client, units, clock):
    with UnitOfWork(services.session_factory) as uow:
        for n in range(1050):    # more than a page, and more than an export reads at once
            audit.record(uow.session, clock.now(), "admin:chief", audit.EXCUSES["exempt"],
                         f"{units['人社']}:2026-04", None, {"kind": "exempt", "reason": f"第{n}次"},
                         unit_id=units["人社"])
        uow.commit()
    first = client.get(f"/admin/audit?unit={units['人社']}").get_data(as_text=True)
    assert "共 1050 条，第 1 / 11 页" in first and len(ITEM.findall(first)) == 100
    assert f"/admin/audit?page=2&amp;unit={units['人社']}" in first
    last = shown(client, f"?unit={units['人社']}&page=11")
    assert len(last) == 50 and last[-1][1].endswith("原因：第0次。")
    assert client.get(f"/admin/audit?unit={units['人社']}&page=12").status_code == 404
    sheet = load_workbook(BytesIO(client.get(
        f"/admin/audit/export.xlsx?unit={units['人社']}").data)).active
    reasons = [sheet.cell(row=r, column=5).value.rsplit("：", 1)[1]
               for r in range(2, sheet.max_row + 1)]
    assert reasons == [f"第{n}次。" for n in reversed(range(1050))]


def test_every_console_writer_records_the_unit_it_concerns(services, client, units):
    tuanwei, renshe = units["团委"], units["人社"]
    page, inputs = f"/admin/units/{tuanwei}", f"/admin/units/{tuanwei}/inputs"
    with UnitOfWork(services.session_factory) as uow:
        before = uow.session.scalar(select(func.max(AuditEntry.id)))
    post(client, f"{page}/bonus", {"year": "2026", "kind": "host_event", "quarter": "2026Q1"},
         page=inputs)
    post(client, f"{page}/deductions", {"year": "2026", "points": "1", "kind": "materials",
                                        "reason": "迟报", "quarter": "2026Q1"}, page=inputs)
    post(client, f"{page}/stories", {"story": "进社区", "level": "city", "quarter": "2026Q1"},
         page=inputs)
    post(client, f"{page}/facts", {"services": "8", "quarter": "2026Q1"}, page=inputs)
    post(client, f"{page}/quarter-total", {"total": "80", "reason": "纸质考核",
                                           "quarter": "2025Q4"}, page=inputs)
    post(client, f"{page}/quarter-total/remove", {"quarter": "2025Q4"}, page=inputs)
    post(client, f"{page}/excuses/2026-01/remove", page=inputs)
    post(client, f"{page}/codes", page=page)
    post(client, f"{page}/liaisons", {"channel": "dingtalk", "user_id": "0123"}, page=page)
    with UnitOfWork(services.session_factory) as uow:
        liaison = uow.session.scalar(select(Liaison.id).where(Liaison.platform_user_id == "0123"))
        deletions = [f"/admin/bonus/{uow.session.scalar(select(BonusEntry.id))}/delete",
                     f"/admin/deductions/{uow.session.scalar(select(Deduction.id))}/delete",
                     f"/admin/stories/{uow.session.scalar(select(MediaStory.id))}/delete"]
    post(client, f"/admin/liaisons/{liaison}/move", {"unit_id": renshe}, page=page)
    post(client, f"/admin/liaisons/{liaison}/remove", page=page)
    for path in deletions:
        post(client, path, {"quarter": "2026Q1"}, page=inputs)
    with UnitOfWork(services.session_factory) as uow:
        entries = uow.session.scalars(select(AuditEntry).where(AuditEntry.id > before)
                                      .order_by(AuditEntry.id)).all()
        names = known_names(uow.session, services.conversation.rules.rubric, entries)
    assert [(e.action, e.entity, e.unit_id) for e in entries] == [
        ("create", "bonus_entry", tuanwei), ("create", "deduction", tuanwei),
        ("create", "media_story", tuanwei), ("facts", "quarter_facts", tuanwei),
        ("set", "quarter_total", tuanwei), ("delete", "quarter_total", tuanwei),
        ("remove", "month_excuse", tuanwei), ("issue", "binding_code", tuanwei),
        ("bind", "liaison", tuanwei), ("move", "liaison", renshe),
        ("unbind", "liaison", renshe), ("delete", "bonus_entry", tuanwei),
        ("delete", "deduction", tuanwei), ("delete", "media_story", tuanwei)]
    assert not [what(e, names) for e in entries if "记录了一项变更" in what(e, names)]


def test_the_demo_s_entries_each_name_their_unit_and_read_as_sentences(services):
    for name in ("县委党校", "团县委", "县人社局"):
        add_unit(services, name, "key", [f"console:{name}"])
    load_demo(services)
    with UnitOfWork(services.session_factory) as uow:
        entries = uow.session.scalars(select(AuditEntry)).all()
        names = known_names(uow.session, services.conversation.rules.rubric, entries)
    concern = [e for e in entries if audit.CHANGES[(e.action, e.entity)].kind
               not in (audit.ACCOUNTS, audit.CALENDAR, audit.REMINDERS)]
    assert len(concern) > 10 and all(e.unit_id in names.units for e in concern)
    assert not [what(e, names) for e in entries if "记录了一项变更" in what(e, names)]


def test_the_migration_finds_the_unit_of_entries_written_before_it(services, db_url, units,
                                                                  client):
    renshe = units["人社"]
    page, inputs = f"/admin/units/{renshe}", f"/admin/units/{renshe}/inputs"
    post(client, f"{page}/bonus", {"year": "2026", "kind": "host_event"}, page=inputs)
    post(client, f"{page}/codes", page=page)
    post(client, f"{page}/quarter-total", {"total": "80", "reason": "纸质考核",
                                           "quarter": "2025Q4"}, page=inputs)
    with UnitOfWork(services.session_factory) as uow:
        written = dict(uow.session.execute(select(AuditEntry.id, AuditEntry.unit_id)).tuples().all())
    cfg = alembic_config(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0017")
        columns = {c["name"] for c in inspect(engine).get_columns("audit_log")}
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()
    assert "unit_id" not in columns
    with UnitOfWork(services.session_factory) as uow:
        found = dict(uow.session.execute(select(AuditEntry.id, AuditEntry.unit_id)).tuples().all())
    assert found == written
    assert sorted(v for v in found.values() if v) == sorted(
        [units["党校"]] * 2 + [units["团委"]] * 2 + [renshe] * 3)


def test_a_unit_name_and_a_reason_that_read_as_formulas_stay_text_in_the_export(services,
                                                                                client):
    name = '=HYPERLINK("http://evil.example","点我")'
    unit = add_unit(services, name, "key")
    post(client, f"/admin/units/{unit}/excuses",
         {"month": "2026-01", "kind": "waived", "reason": "@SUM(1)\x07"},
         page=f"/admin/units/{unit}/inputs")
    sheet = load_workbook(BytesIO(client.get(f"/admin/audit/export.xlsx?unit={unit}").data)).active
    [row] = list(sheet.iter_rows(min_row=2))
    assert row[2].value == name and row[2].data_type == "s"
    assert row[4].value.endswith(f"将「{name}」2026年1月设为豁免，原因：@SUM(1)␇。")
