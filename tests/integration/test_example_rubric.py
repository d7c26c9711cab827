"""The example district rubric end to end, on every database: a deployment that names it
imports its units by its categories (分中心, 所站), enters its facts through the console's
form (discretionary points with reasons, a state grade, a cross-check to confirm) and its
spreadsheet (drop-downs, greyed columns, the same declarations checking the import), and
its liaisons read their scores with 查分; the tables and the xlsx follow its groups."""
from __future__ import annotations

import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.cli import import_units, main
from bot.clock import FixedClock
from bot.config import build_config
from scoring import load_rubrics
from storage.db import UnitOfWork
from storage.models import Unit
from tests.admin_support import make_users, post, sign_in
from tests.conftest import SUMMARY, Dialogue, jpeg_bytes, shanghai
from tests.facts_kit import facts_of

EXAMPLE = load_rubrics("example-district").latest
STATION = {"has_sign": "是", "rules_posted": "否", "venue_deductions-0-points": "2",
           "venue_deductions-0-reason": "卫生较差", "closed_checks": "1", "staff": "20",
           "registered_volunteers": "15", "service_state": "B", "activities": "5",
           "complaints": "1", "brand_points-0-points": "6",
           "brand_points-0-reason": "敬老品牌特色鲜明", "media_entered": "是",
           "quarter": "2027Q1"}
REPORT = SUMMARY * 3    # 200 characters at least


@pytest.fixture
def example(db_url, tmp_path):
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
                           "rubric": {"file": "example-district"}})
    services = build_services(config, clock=FixedClock(shanghai(2027, 1, 4, 9, 0, 0)))
    yield services
    services.close()


@pytest.fixture
def units(example, tmp_path):
    listing = tmp_path / "units.csv"
    listing.write_text("name,category,liaisons\n城关分中心,分中心,console:chengguan\n"
                       "东街实践站,所站,console:dongjie\n", encoding="utf-8")
    assert import_units(listing, example) == 0
    make_users(example)
    with UnitOfWork(example.session_factory) as uow:
        return {u.name: (u.id, u.category) for u in uow.session.scalars(select(Unit))}


def report(example, dialogue, user: str, when) -> None:
    example.clock.set(when)
    dialogue.say(user, REPORT)
    dialogue.photo(user, jpeg_bytes(seed=when.month))
    dialogue.photo(user, jpeg_bytes(seed=when.month + 50))


@pytest.fixture
def quarter(example, units):
    dialogue = Dialogue(example)
    report(example, dialogue, "console:dongjie", shanghai(2027, 1, 20, 9, 0, 0))
    report(example, dialogue, "console:dongjie", shanghai(2027, 2, 26, 9, 0, 0))  # March: none
    report(example, dialogue, "console:chengguan", shanghai(2027, 2, 27, 9, 0, 0))
    example.clock.set(shanghai(2027, 4, 2, 10, 0, 0))
    client = create_app(services=example).test_client()
    sign_in(client)
    return dialogue, client


def test_units_are_imported_by_the_example_s_categories(units):
    assert {name: category for name, (_, category) in units.items()} == {
        "城关分中心": "sub_centre", "东街实践站": "station"}


def test_the_form_holds_only_the_facts_of_the_unit_s_category_with_their_widgets(quarter,
                                                                                 units):
    _, client = quarter
    station = client.get(f"/admin/units/{units['东街实践站'][0]}/inputs?quarter=2027Q1")
    html = station.get_data(as_text=True)
    assert '<select id="f-has_sign" name="has_sign">' in html
    assert 'name="closed_checks"' in html and 'type="number"' in html
    assert 'name="venue_deductions-0-points"' in html and 'min="1" max="5"' in html
    assert '<option value="C#"' in html and "system_defects" not in html   # import only
    centre = client.get(f"/admin/units/{units['城关分中心'][0]}/inputs?quarter=2027Q1")
    assert 'name="closed_checks"' not in centre.get_data(as_text=True)   # no item 1.2


def test_facts_entered_through_the_form_score_by_the_example_and_reach_the_chat(quarter,
                                                                               units, example):
    dialogue, client = quarter
    station = units["东街实践站"][0]
    page = f"/admin/units/{station}/inputs?quarter=2027Q1"
    assert post(client, f"/admin/units/{station}/facts", STATION, page=page).status_code == 302
    post(client, f"/admin/units/{station}/stories", {"story": "敬老饺子宴", "level": "city",
                                                   "quarter": "2027Q1"}, page=page)
    stored = facts_of(example, station, rubric=EXAMPLE)
    assert stored["venue_deductions"] == ((Decimal("2.00"), "卫生较差"),)
    assert stored["service_state"] == "B" and stored["media"] is True
    [reply] = dialogue.say("console:dongjie", "查分 2027Q1")
    # 1.1 10−2−2, 1.2 10−2, 2.1 75% ≥ 70%, 2.2 B: 66%, 3.1 15−3, 3.2 15−2, 3.3 6, 4.1 city 2,
    # 4.2 March missing: 10−2
    assert "总分 71.6 / 100（71.6%），实践所站第 1 名 / 共 1 个" in reply
    assert "1.1 阵地规范 6/10：管理制度未上墙（扣2分）；卫生较差（扣2分），扣4分" in reply
    assert "2.2 全国志愿服务信息系统状态 6.6/10：全国志愿服务信息系统状态为B，按66%计" in reply
    assert "3.3 特色品牌 6/10：敬老品牌特色鲜明，得6分" in reply
    assert "4.2 信息报送 8/10：3月工作信息未报送，扣2分" in reply   # January, February in time
    [centre] = dialogue.say("console:chengguan", "查分 2027Q1")   # reports every two months:
    assert "4.2 信息报送 10/10" in centre and "分中心第 1 名" in centre   # only February


def test_a_cross_check_is_a_warning_the_office_confirms(quarter, units, example):
    _, client = quarter
    centre = units["城关分中心"][0]
    page = f"/admin/units/{centre}/inputs?quarter=2027Q1"
    form = {"staff": "20", "registered_volunteers": "25", "quarter": "2027Q1"}
    first = post(client, f"/admin/units/{centre}/facts", form, page=page)
    assert first.status_code == 200 and "注册志愿者人数多于在职党员干部人数，请核实后确认" in \
        first.get_data(as_text=True)
    assert facts_of(example, centre, rubric=EXAMPLE) == {}
    assert post(client, f"/admin/units/{centre}/facts", {**form, "confirm": "1"},
                page=page).status_code == 302
    assert facts_of(example, centre, rubric=EXAMPLE) == {"staff": 20,
                                                         "registered_volunteers": 25}


def test_a_points_entry_beyond_its_range_or_without_a_reason_is_refused(quarter, units):
    _, client = quarter
    station = units["东街实践站"][0]
    page = f"/admin/units/{station}/inputs?quarter=2027Q1"
    resp = post(client, f"/admin/units/{station}/facts",
                {**STATION, "venue_deductions-0-points": "7",
                 "brand_points-0-reason": ""}, page=page)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "分值应在1到5分之间" in html and "每个分值都要写明原因" in html


def test_the_spreadsheet_follows_the_example_and_its_import_checks_every_cell(quarter, units,
                                                                             example):
    _, client = quarter
    with client.get("/admin/facts/template.xlsx?quarter=2027Q1") as resp:
        book = load_workbook(BytesIO(resp.data))
    sheet = book["季度事实"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["单位", "类别", "季度", "统一标识（是/否）", "制度上墙（是/否）"]
    assert "系统抽查问题数" in header and "工作信息报送" not in " ".join(header)
    closed = header.index("检查时未开放次数") + 1
    rows = {sheet.cell(r, 1).value: r for r in (2, 3)}
    assert sheet.cell(rows["城关分中心"], closed).fill.start_color.rgb.endswith("D9D9D9")
    assert sheet.cell(rows["东街实践站"], closed).fill.fill_type is None
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["D2"] == '"是,否"' and '"A,B,C,C#"' in lists.values()
    assert book["媒体宣传"]["D1"].value == "级别（区级/市级/省级/国家级）"
    venue = header.index("阵地管理酌情扣分（1–5分，写成 分值：原因）") + 1
    defects = header.index("系统抽查问题数") + 1
    sheet.cell(rows["城关分中心"], venue, "7：太乱")
    sheet.cell(rows["东街实践站"], defects, 3)
    out = BytesIO()
    book.save(out)
    out.seek(0)
    bad = post(client, "/admin/facts/import", {"file": (out, "facts.xlsx")}, page="/admin/facts")
    assert bad.status_code == 400 and "分值应在1到5分之间" in bad.get_data(as_text=True)
    sheet.cell(rows["城关分中心"], venue, "1：标识褪色；2：器材缺失")
    out = BytesIO()
    book.save(out)
    out.seek(0)
    good = post(client, "/admin/facts/import", {"file": (out, "facts.xlsx")}, page="/admin/facts")
    assert good.status_code == 302
    assert facts_of(example, units["城关分中心"][0], rubric=EXAMPLE)["venue_deductions"] == (
        (Decimal("1.00"), "标识褪色"), (Decimal("2.00"), "器材缺失"))
    assert facts_of(example, units["东街实践站"][0], rubric=EXAMPLE)["system_defects"] == 3


def test_the_tables_and_the_xlsx_follow_the_example_s_groups(quarter, units):
    _, client = quarter
    station = units["东街实践站"][0]
    post(client, f"/admin/units/{station}/facts", STATION,
         page=f"/admin/units/{station}/inputs?quarter=2027Q1")
    html = client.get("/admin/scores?quarter=2027Q1").get_data(as_text=True)
    assert "示例区新时代文明实践分中心、所、站工作考核细则（示例）（2027）" in html
    assert 'id="cat-sub_centre"' in html and 'id="cat-station"' in html
    assert "阵地建设" in html and "1.2 阵地开放" in html
    with client.get("/admin/scores/export.xlsx?quarter=2027Q1") as resp:
        book = load_workbook(BytesIO(resp.data))
    assert book.sheetnames == ["分中心", "实践所站"]
    sheet = book["实践所站"]
    assert [c.value for c in sheet[3]][3] == "阵地建设（20分）"
    assert [c.value for c in sheet[4]][3:6] == ["1.1 阵地规范（10分）", "1.2 阵地开放（10分）",
                                                "小计（20分）"]
    assert sheet.cell(5, 3).value == "东街实践站" and sheet.cell(5, 6).value == 14
    centre = book["分中心"]
    assert [c.value for c in centre[3]][3] == "阵地建设（10分）"   # no 1.2: no subtotal


# --- the words of the configured rubric, never the default's, where the office reads keys --

DEFAULT_WORDS = ("承办县中心会议或活动", "承接实地调研", "领导批示", "未按要求报送材料",
                 "服务敷衍", "经核实服务造假", "志愿服务队队旗", "年度活动计划一览表", "县直部门")


def audit_sentences(client) -> str:
    html = client.get("/admin/audit").get_data(as_text=True)
    with client.get("/admin/audit/export.xlsx") as resp:
        sheet = load_workbook(BytesIO(resp.data)).active
    exported = [sheet.cell(r, 5).value for r in range(2, sheet.max_row + 1)]
    assert all(sentence in html for sentence in exported)   # the page says what the xlsx says
    return "\n".join(exported)


def test_the_audit_log_names_the_facts_entered_in_the_example_s_words(quarter, units):
    _, client = quarter
    station = units["东街实践站"][0]
    post(client, f"/admin/units/{station}/facts", STATION,
         page=f"/admin/units/{station}/inputs?quarter=2027Q1")
    logged = audit_sentences(client)
    assert "录入「东街实践站」2027年第一季度的考核事实：" in logged
    assert "统一标识 是" in logged and "制度上墙 否" in logged
    assert "阵地管理酌情扣分 2：卫生较差" in logged and "全国志愿服务信息系统状态 B" in logged
    assert "has_sign" not in logged and "service_state" not in logged
    assert not [w for w in DEFAULT_WORDS if w in logged]


def test_bonus_and_deduction_kinds_are_the_example_s_in_the_form_the_list_and_the_log(
        quarter, units):
    dialogue, client = quarter
    station = units["东街实践站"][0]
    page = f"/admin/units/{station}/inputs?quarter=2027Q1"
    form = {"year": "2027", "quarter": "2027Q1"}
    html = client.get(page).get_data(as_text=True)
    assert '<option value="model">获评先进典型</option>' in html
    assert '<option value="accident">发生安全责任事故</option>' in html
    assert '<option value="city">市级</option>' in html
    assert not [w for w in DEFAULT_WORDS if w in html]
    refused = post(client, f"/admin/units/{station}/bonus", {**form, "kind": "host_event"},
                   page=page, follow_redirects=True)
    assert "请选择加分类别" in refused.get_data(as_text=True)
    added = post(client, f"/admin/units/{station}/bonus",
                 {**form, "kind": "model", "level": "city"}, page=page, follow_redirects=True)
    assert "已为「东街实践站」2027年加分：获评先进典型" in added.get_data(as_text=True)
    post(client, f"/admin/units/{station}/deductions", {**form, "points": "1",
         "kind": "accident", "reason": "消防通道堵塞"}, page=page)
    listed = client.get(page).get_data(as_text=True)
    assert "<td>获评先进典型</td><td>市级</td>" in listed
    assert "<td>发生安全责任事故</td><td>消防通道堵塞</td>" in listed
    logged = audit_sentences(client)
    assert "为「东街实践站」2027年度加分：获评先进典型（市级）" in logged
    assert "为「东街实践站」2027年度扣 1.00 分：发生安全责任事故，原因：消防通道堵塞" in logged
    assert not [w for w in DEFAULT_WORDS if w in logged]
    [year] = dialogue.say("console:dongjie", "年度 2027")   # the example scores its own kinds
    assert "加分 2 − 扣分 1" in year


def test_the_evidence_pack_names_the_example_s_groups_items_and_facts(quarter, units):
    dialogue, client = quarter
    station = units["东街实践站"][0]
    post(client, f"/admin/units/{station}/facts", STATION,
         page=f"/admin/units/{station}/inputs?quarter=2027Q1")
    with client.get(f"/admin/evidence/{station}.zip?quarter=2027Q1") as resp:
        with zipfile.ZipFile(BytesIO(resp.data)) as pack:
            book = load_workbook(BytesIO(pack.read("东街实践站/回执清单.xlsx")))
    scored = list(book["考核得分"].iter_rows(min_row=2, values_only=True))
    assert scored[0] == ("阵地建设", "1.1 阵地规范", "10", "6",
                         "管理制度未上墙（扣2分）；卫生较差（扣2分），扣4分")
    assert scored[2][:4] == ("阵地建设", "小计", "20", "14")
    assert {row[0] for row in scored[:-2]} == {"阵地建设", "队伍建设", "活动开展", "宣传信息"}
    assert "2.2 全国志愿服务信息系统状态" in [row[1] for row in scored]
    assert scored[-2][:4] == ("合计", None, "100", "69.6")   # no story: 4.1 scores 0
    assert "总分 69.6 / 100" in dialogue.say("console:dongjie", "查分 2027Q1")[0]
    assert scored[-1][4] == "评分细则：示例区新时代文明实践分中心、所、站工作考核细则（示例）（2027）" \
                            "，（示例，无文号）"
    facts = dict(book["考核事实"].iter_rows(min_row=2, values_only=True))
    assert facts["统一标识"] == "是" and facts["全国志愿服务信息系统状态"] == "B"
    assert facts["阵地管理酌情扣分"] == "2：卫生较差" and facts["系统抽查问题数"] == "未录入"
    text = " ".join(str(v) for sheet in ("考核得分", "考核事实")
                    for row in book[sheet].iter_rows(values_only=True) for v in row if v)
    assert not [w for w in DEFAULT_WORDS if w in text]
    book.close()


def test_the_cli_enters_the_example_s_bonus_and_deduction_kinds_and_names_them(
        example, units, tmp_path, capsys):
    cfg = tmp_path / "bot.toml"
    cfg.write_text(f'[database]\nurl = "{example.config.database.url}"\n'
                   f'[files]\ndir = "{example.config.files.dir}"\n'
                   '[rubric]\nfile = "example-district"\n', encoding="utf-8")
    bonus = ["--config", str(cfg), "bonus", "东街实践站", "--year", "2027", "--kind"]
    assert main([*bonus, "host_event"]) == 2
    assert "--kind 应为 model（获评先进典型）、promoted（经验做法被推广） 之一" in \
        capsys.readouterr().err
    assert main([*bonus, "model", "--level", "county"]) == 2
    assert "--level 应为 district（区级）、city（市级）、province（省级） 之一" in \
        capsys.readouterr().err
    assert main([*bonus, "model", "--level", "city"]) == 0
    deduct = ["--config", str(cfg), "deduct", "东街实践站", "--year", "2027", "--points", "1",
              "--reason", "消防通道堵塞", "--kind"]
    assert main([*deduct, "perfunctory"]) == 2
    assert "accident（发生安全责任事故）、falsified（弄虚作假）" in capsys.readouterr().err
    assert main([*deduct, "accident"]) == 0
