"""Scores derived from stored facts: the tables, the CLI, and 查分 / 年度 in chat."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot import scores
from bot.cli import main
from bot.rules import rules
from scoring import Quarter
from scoring.numbers import fmt
from storage.db import UnitOfWork
from storage.models import AuditEntry, QuarterFactValue, Unit
from tests.facts_kit import facts_of
from tests.facts_kit import put_facts as store_facts
from tests.conftest import SUMMARY, add_unit, jpeg_bytes, shanghai

ME = "console:dangxiao"
RUBRIC_EXAMPLE = {
    "annual_plan": True, "annual_summary": False, "materials_uploaded": True,
    "team_flag": True, "uniforms_sufficient": True, "uniforms_worn": False,
    "staff_on_post": 50, "registered_volunteers": 39, "trainings": 1,
    "service_items": 4, "services": 8, "volunteer_hours": Decimal("150.5"),
    "awareness_rate": Decimal("76.5"), "brand_plan": True, "brand_promoted": False,
    "satisfaction": "good", "media_entered": True,
}


@pytest.fixture
def cfg(config, tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n', encoding="utf-8")
    return str(path)


def since_january(services, clock, name="县委党校", category="key", liaisons=(ME,)):
    clock.set(shanghai(2026, 1, 1, 9, 0, 0))
    return add_unit(services, name, category, liaisons)


def submit_month(dialogue, clock, when, user=ME):
    clock.set(when)
    dialogue.say(user, SUMMARY)
    dialogue.photo(user, jpeg_bytes(seed=when.month * 100 + when.day))


def put_facts(svc, unit_id, quarter="2026Q1", /, **facts):
    store_facts(svc, unit_id, quarter, **facts)


def add_story(services, unit_id, story, level, quarter="2026Q1"):
    from storage.models import MediaStory
    with UnitOfWork(services.session_factory) as uow:
        uow.session.add(MediaStory(unit_id=unit_id, quarter=quarter, story=story, level=level,
                                   created_at=services.clock.now(), created_by="test"))
        uow.commit()


def quarter_row(services, unit_id, quarter="2026Q1"):
    with UnitOfWork(services.session_factory) as uow:
        table = scores.quarter_table(uow.session, Quarter.parse(quarter), services.clock.now(),
                                     rules(services.config))
    return next(r for r in table if r.unit_id == unit_id)


def test_the_rubric_example_stored_as_facts_scores_64_22(services, dialogue, clock):
    unit = since_january(services, clock)
    submit_month(dialogue, clock, shanghai(2026, 1, 10, 9, 0, 0))
    submit_month(dialogue, clock, shanghai(2026, 2, 26, 9, 0, 0))  # late
    put_facts(services, unit, **RUBRIC_EXAMPLE)
    add_story(services, unit, "敬老义诊", "city")
    add_story(services, unit, "敬老义诊", "county")
    clock.set(shanghai(2026, 3, 20, 9, 0, 0))  # March still pending
    row = quarter_row(services, unit)
    assert row.result.total == Decimal("64.22")
    assert row.result.items["6.1"].score == Decimal("4.5")
    assert "2月" in row.result.items["6.1"].why


def test_a_missing_month_costs_half_a_point_once_its_deadline_passes(services, dialogue, clock):
    unit = since_january(services, clock)
    clock.set(shanghai(2026, 1, 24, 23, 59, 59))
    assert quarter_row(services, unit).result.items["6.1"].score == Decimal("5")
    clock.set(shanghai(2026, 1, 25, 0, 0, 0))
    assert quarter_row(services, unit).result.items["6.1"].score == Decimal("4.5")


def test_a_waiver_changes_the_next_answer(services, dialogue, clock, cfg):
    unit = since_january(services, clock)
    clock.set(shanghai(2026, 2, 10, 9, 0, 0))
    [before] = dialogue.say(ME, "查分")
    assert "6.1 月度小结 4.5/5" in before
    assert main(["--config", cfg, "waive", "县委党校", "2026-01", "--reason", "疫情停工"]) == 0
    [after] = dialogue.say(ME, "查分")
    assert "6.1 月度小结 5/5" in after
    assert quarter_row(services, unit).result.items["6.1"].score == Decimal("5")
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action == "waived")).all() == ["waived"]


def test_changing_a_fact_changes_the_score(services, clock):
    unit = since_january(services, clock)
    put_facts(services, unit, services=5, service_items=3)
    assert quarter_row(services, unit).result.items["3.1"].score == Decimal("25")
    put_facts(services, unit, services=6)
    assert quarter_row(services, unit).result.items["3.1"].score == Decimal("30")


def test_units_are_ranked_within_their_category(services, clock):
    a = since_january(services, clock, "甲", liaisons=())
    b = add_unit(services, "乙", "key")
    c = add_unit(services, "丙", "department")
    put_facts(services, a, services=10, service_items=4)
    put_facts(services, b, services=4, service_items=4)
    put_facts(services, c, services=1, service_items=1)
    clock.set(shanghai(2026, 1, 20, 9, 0, 0))
    with UnitOfWork(services.session_factory) as uow:
        table = scores.quarter_table(uow.session, Quarter(2026, 1), clock.now(),
                                     rules(services.config))
    ranks = {r.unit_name: (r.rank, r.of) for r in table}
    assert ranks == {"甲": (1, 2), "乙": (2, 2), "丙": (1, 1)}


def test_chat_score_lists_items_reasons_pending_total_and_rank(services, dialogue, clock):
    unit = since_january(services, clock)
    put_facts(services, unit, staff_on_post=50, registered_volunteers=39)
    clock.set(shanghai(2026, 2, 10, 9, 0, 0))
    [reply] = dialogue.say(ME, "查分")
    assert "县委党校 2026年第一季度考核得分" in reply
    assert "2.4 注册率 4/5：注册率78.0%" in reply
    assert "6.1 月度小结 4.5/5：1月" in reply
    assert "待中心办公室录入" in reply and "3.3 知晓率" in reply
    assert "总分 8.5 / 100" in reply and "第 1 名 / 共 1 个" in reply


def test_chat_score_for_a_named_quarter_and_bad_quarters(services, dialogue, clock):
    since_january(services, clock)
    clock.set(shanghai(2026, 5, 10, 9, 0, 0))
    [q1] = dialogue.say(ME, "查分 2026Q1")
    assert "2026年第一季度" in q1 and "季度未结束" not in q1
    [future] = dialogue.say(ME, "查分 2026Q4")
    assert "还没有开始" in future
    [bad] = dialogue.say(ME, "查分 2026Q5")
    assert "2026Q1" in bad


def test_a_liaison_sees_only_their_own_unit(services, dialogue, clock):
    since_january(services, clock)
    add_unit(services, "县妇联", liaisons=["console:fulian"])
    [reply] = dialogue.say("console:fulian", "查分")
    assert "县妇联" in reply and "县委党校" not in reply


def test_chat_year_gives_the_running_annual_score(services, dialogue, clock, cfg):
    unit = since_january(services, clock)
    put_facts(services, unit, **RUBRIC_EXAMPLE)
    clock.set(shanghai(2026, 5, 10, 9, 0, 0))
    assert main(["--config", cfg, "bonus", "县委党校", "--year", "2026", "--kind",
                 "research_visit", "--level", "provincial"]) == 0
    assert main(["--config", cfg, "deduct", "县委党校", "--year", "2026", "--points", "1",
                 "--kind", "perfunctory", "--reason", "活动敷衍"]) == 0
    [reply] = dialogue.say(ME, "年度")
    assert "暂定" in reply and "加分 1.5" in reply and "扣分 1" in reply
    row = quarter_row(services, unit)
    expected = fmt(row.result.total + Decimal("0.5"))
    assert f"= {expected}" in reply


def test_year_before_any_quarter_ends_says_so(services, dialogue, clock):
    since_january(services, clock)
    clock.set(shanghai(2026, 2, 1, 9, 0, 0))
    [reply] = dialogue.say(ME, "年度")
    assert "还没有结束的季度" in reply


def test_the_facts_template_round_trips_and_records_the_audit(services, clock, cfg, tmp_path, capsys):
    since_january(services, clock)
    add_unit(services, "县妇联")
    path = tmp_path / "facts.xlsx"
    assert main(["--config", cfg, "facts", "template", "--quarter", "2026Q1", str(path)]) == 0
    book = load_workbook(path)
    sheet = book["季度事实"]
    header = [c.value for c in sheet[1]]
    assert sheet.max_row == 3 and header[:3] == ["单位", "类别", "季度"]
    col = {h: n for n, h in enumerate(header, start=1)}
    sheet.cell(2, col["在编在岗人数"], 50)
    sheet.cell(2, col["注册志愿者人数"], 40)
    sheet.cell(2, col["满意率（优秀/良好/一般）"], "优秀")
    sheet.cell(2, col["志愿服务队队旗（是/否）"], "是")
    book["媒体宣传"].append(["县委党校", "2026Q1", "敬老义诊", "省级", "2026-02-03", "陕西日报", ""])
    book.save(path)
    assert main(["--config", cfg, "facts", "import", str(path)]) == 0
    fact = facts_of(services)
    assert (fact["staff_on_post"], fact["satisfaction"], fact["team_flag"]) == (
        50, "excellent", True)
    with UnitOfWork(services.session_factory) as uow:
        unit_id = uow.session.scalars(select(QuarterFactValue.unit_id)).first()
        assert uow.session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "quarter_facts")).all() == ["facts"]
    assert main(["--config", cfg, "facts", "import", str(path)]) == 0  # again: no duplicates
    row = quarter_row(services, unit_id)
    assert row.result.items["5"].score == Decimal("3")
    assert row.result.items["2.4"].score == Decimal("5")


def test_a_bad_facts_file_reports_every_cell_and_imports_nothing(services, clock, cfg, tmp_path, capsys):
    since_january(services, clock)
    path = tmp_path / "facts.xlsx"
    main(["--config", cfg, "facts", "template", "--quarter", "2026Q1", str(path)])
    book = load_workbook(path)
    sheet = book["季度事实"]
    sheet["D2"] = "也许"     # a flag
    sheet["J2"] = -3         # staff on post
    sheet["P2"] = 120        # awareness rate
    sheet["S2"] = "很好"     # satisfaction
    sheet["K2"] = 40
    book.save(path)
    capsys.readouterr()
    assert main(["--config", cfg, "facts", "import", str(path)]) == 2
    err = capsys.readouterr().err
    for cell in ("第2行 D列", "第2行 J列", "第2行 P列", "第2行 S列"):
        assert cell in err
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(QuarterFactValue)).all() == []


def test_the_facts_csv_template_imports_too(services, clock, cfg, tmp_path):
    since_january(services, clock)
    path = tmp_path / "facts.csv"
    main(["--config", cfg, "facts", "template", "--quarter", "2026Q1", str(path)])
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[1].split(",")
    cells[9] = "60"
    path.write_text("\n".join([lines[0], ",".join(cells)]) + "\n", encoding="utf-8-sig")
    assert main(["--config", cfg, "facts", "import", str(path)]) == 0
    assert facts_of(services)["staff_on_post"] == 60


def test_scores_tables_in_every_format(services, clock, cfg, tmp_path, capsys):
    unit = since_january(services, clock)
    add_unit(services, "县统计局", "department")
    put_facts(services, unit, **RUBRIC_EXAMPLE)
    clock.set(shanghai(2026, 4, 5, 9, 0, 0))
    capsys.readouterr()
    assert main(["--config", cfg, "scores", "--quarter", "2026Q1"]) == 0
    out = capsys.readouterr().out
    assert "县委党校" in out and "县统计局" in out and "得分率%" in out
    assert main(["--config", cfg, "scores", "--quarter", "2026Q1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {d["unit"]: d["rank"] for d in data} == {"县委党校": 1, "县统计局": 1}
    assert main(["--config", cfg, "scores", "--quarter", "2026Q1", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith('"类别","排名","单位","1.1 年度活动计划一览表"')
    path = tmp_path / "q.xlsx"
    assert main(["--config", cfg, "scores", "--quarter", "2026Q1", "--format", "xlsx",
                 "--output", str(path)]) == 0
    book = load_workbook(path)
    assert book.sheetnames == ["重点考核单位", "县直部门"]
    key = book["重点考核单位"]
    header = [c.value for c in key[3]]
    assert header[:3] == ["序号", "排名", "单位"] and "得分率%" in header
    assert key.cell(5, 3).value == "县委党校"
    # 序号, 排名, 单位; 4 groups; 总分 … 备注 (row 3), and the items with 2 subtotals (row 4)
    department = book["县直部门"]
    assert len([c for c in department[3] if c.value]) == 3 + 4 + 5
    assert len([c for c in department[4] if c.value]) == 6 + 2
    year = tmp_path / "y.xlsx"
    assert main(["--config", cfg, "scores", "--year", "2026", "--format", "xlsx",
                 "--output", str(year)]) == 0
    assert load_workbook(year)["重点考核单位"].cell(4, 3).value == "县委党校"


def test_the_quarter_table_uses_a_bounded_number_of_statements(services, clock):
    from sqlalchemy import event
    since_january(services, clock, "单位0", liaisons=())
    counts = []
    for n in (5, 40):
        while len(_all_units(services)) < n:
            add_unit(services, f"单位{len(_all_units(services))}")
        seen = []
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(services.engine, "before_cursor_execute", listener)
        with UnitOfWork(services.session_factory) as uow:
            scores.quarter_table(uow.session, Quarter(2026, 1), clock.now(), rules(services.config))
        event.remove(services.engine, "before_cursor_execute", listener)
        counts.append(len(seen))
    assert counts[0] == counts[1]


def _all_units(services):
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalars(select(Unit.id)).all()
