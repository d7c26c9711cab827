"""Which quarters are assessed (RUBRIC.md): quarters before a unit was on the bot are 未纳入
with the reason, totals the office enters by hand count (手工录入), and the year averages
the assessed quarters only; in chat, the CLI, the tables and the facts spreadsheet."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot import scores
from bot.cli import main
from bot.rules import rules
from scoring import Quarter
from storage.db import UnitOfWork
from storage.models import AuditEntry, QuarterTotal
from tests.facts_kit import facts_of, put_facts
from tests.conftest import SUMMARY, add_unit, jpeg_bytes, shanghai

ME = "console:xinlai"


@pytest.fixture
def cfg(config, tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n', encoding="utf-8")
    return str(path)


def registered(services, clock, when, name="县新单位", category="key", liaisons=(ME,)):
    clock.set(when)
    return add_unit(services, name, category, liaisons)


def table(services, quarter):
    with UnitOfWork(services.session_factory) as uow:
        return {r.unit_name: r for r in scores.quarter_table(
            uow.session, Quarter.parse(quarter), services.clock.now(), rules(services.config))}


def year(services, number):
    with UnitOfWork(services.session_factory) as uow:
        return {r.unit_name: r for r in scores.year_table(
            uow.session, number, services.clock.now(), rules(services.config))}


def audit(services, entity="quarter_total"):
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalars(select(AuditEntry).where(AuditEntry.entity == entity)
                                   .order_by(AuditEntry.id)).all()


def test_a_fresh_unit_asking_for_a_quarter_before_it_was_registered_is_told_not_assessed(
        services, dialogue, clock):
    registered(services, clock, shanghai(2026, 11, 28, 10, 0, 0))
    [reply] = dialogue.say(ME, "查分 2025Q4")
    assert reply == "县新单位 2025年第四季度未纳入考核（单位于2026年11月登记），没有得分和排名。"
    [q3] = dialogue.say(ME, "查分 2026Q3")
    assert "未纳入考核（单位于2026年11月登记）" in q3 and "名" not in q3.replace("排名", "")
    [now] = dialogue.say(ME, "查分")  # December's deadline comes after registration
    assert "2026年第四季度考核得分" in now and "第 1 名 / 共 1 个" in now


def test_a_fresh_units_year_has_no_total_and_no_rank_and_says_why(services, dialogue, clock):
    registered(services, clock, shanghai(2026, 11, 28, 10, 0, 0))
    [last_year] = dialogue.say(ME, "年度 2025")
    assert last_year == ("县新单位 2025年各季度均未纳入考核（单位于2026年11月登记），"
                         "没有年度得分和排名。")
    [this_year] = dialogue.say(ME, "年度")
    assert "2026年已结束的季度都未纳入考核：第一、二、三季度未纳入（单位于2026年11月登记）" in this_year
    assert "第 1 名" not in this_year and "季度平均" not in this_year


def test_a_unit_registered_after_a_quarters_last_deadline_names_the_day(services, dialogue,
                                                                          clock):
    registered(services, clock, shanghai(2026, 3, 26, 9, 0, 0))
    clock.set(shanghai(2026, 4, 2, 9, 0, 0))
    [reply] = dialogue.say(ME, "查分 2026Q1")
    assert "未纳入考核（单位于2026年3月26日登记，晚于本季度各月小结截止）" in reply


def test_the_tables_rank_only_assessed_units(services, dialogue, clock, cfg, capsys, tmp_path):
    old = registered(services, clock, shanghai(2026, 1, 1, 9, 0, 0), "县老单位", liaisons=())
    registered(services, clock, shanghai(2026, 11, 28, 10, 0, 0), "县新单位", liaisons=())
    later = add_unit(services, "县晚到单位", "key")
    put_facts(services, later, "2026Q3", services=10, service_items=4)  # facts: assessed
    rows = table(services, "2026Q3")
    assert (rows["县老单位"].rank, rows["县老单位"].of) == (2, 2)
    assert (rows["县晚到单位"].rank, rows["县晚到单位"].result.total) == (1, Decimal("35"))  # 30 + 6.1
    new = rows["县新单位"]
    assert (new.rank, new.of, new.total, new.assessed) == (None, 2, None, False)
    assert new.note == "未纳入：单位于2026年11月登记"
    assert main(["--config", cfg, "scores", "--quarter", "2026Q3", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(',"待录入","备注","评分细则"')   # every field quoted (OWASP)
    [line] = [row for row in lines if "县新单位" in row]
    assert line.startswith('"重点考核单位","","县新单位",') and ',"未纳入",' in line
    assert line.endswith(',"未纳入：单位于2026年11月登记","西乡县部门（单位）新时代文明实践工作考核细则'
                         '（试行）（2022）"')
    assert main(["--config", cfg, "scores", "--quarter", "2026Q3", "--format", "json"]) == 0
    data = {d["unit"]: d for d in json.loads(capsys.readouterr().out)}
    assert data["县新单位"]["rank"] is None and data["县新单位"]["total"] is None
    assert data["县老单位"]["rank"] == 2 and old
    path = tmp_path / "q3.xlsx"
    assert main(["--config", cfg, "scores", "--quarter", "2026Q3", "--format", "xlsx",
                 "--output", str(path)]) == 0
    sheet = load_workbook(path)["重点考核单位"]
    last = [c.value for c in sheet[7]][1:]  # ranked units first, then those not assessed
    assert (last[0], last[1], last[-5], last[-1]) == (None, "县新单位", "未纳入",
                                                      "未纳入：单位于2026年11月登记")
    assert [sheet.cell(r, 2).value for r in (5, 6)] == [1, 2]


def test_a_total_entered_by_hand_counts_in_the_year_and_is_marked(services, dialogue, clock,
                                                                  cfg, capsys):
    """The issue's case: 85 and 72.5 in Q2 and Q3 make 78.75, not 54.17 with Q1 as 5."""
    registered(services, clock, shanghai(2026, 3, 31, 9, 0, 0))
    clock.set(shanghai(2026, 11, 28, 10, 0, 0))
    for quarter, total in (("2026Q2", "85"), ("2026Q3", "72.5")):
        assert main(["--config", cfg, "quarter-total", "县新单位", quarter, total,
                     "--reason", "机器人启用前按原办法考核"]) == 0
    assert "已手工录入「县新单位」2026年第三季度总分 72.5" in capsys.readouterr().out
    [reply] = dialogue.say(ME, "年度")
    assert reply.splitlines() == [
        "县新单位 2026年（按第二、三季度平均，暂定）考核得分",
        "季度平均 78.75 + 加分 0 − 扣分 0 = 78.75",
        "各季度：第二季度 85（手工录入），第三季度 72.5（手工录入）",
        "第一季度未纳入（单位于2026年3月31日登记，晚于本季度各月小结截止），不计入平均",
        "重点考核单位第 1 名 / 共 1 个"]
    [q2] = dialogue.say(ME, "查分 2026Q2")
    assert "总分 85 / 100（85%），手工录入，重点考核单位第 1 名 / 共 1 个" in q2
    assert "本季度总分由中心办公室手工录入，不逐项计分。原因：机器人启用前按原办法考核" in q2
    result = year(services, 2026)["县新单位"].result
    q2, q3 = Quarter(2026, 2), Quarter(2026, 3)
    assert (result.mean, result.score.quarters, result.by_hand) == (
        Decimal("78.75"), (q2, q3), (q2, q3))
    entries = audit(services)
    assert [(e.action, e.actor.startswith("cli:"), e.new["total"]) for e in entries] == [
        ("set", True, "85.00"), ("set", True, "72.50")]


def test_the_cli_changes_and_removes_a_hand_entered_total(services, clock, cfg, capsys):
    registered(services, clock, shanghai(2026, 3, 31, 9, 0, 0), liaisons=())
    clock.set(shanghai(2026, 5, 10, 9, 0, 0))
    assert main(["--config", cfg, "quarter-total", "县新单位", "2026Q1", "86.5",
                 "--reason", "纸质考核"]) == 0
    assert main(["--config", cfg, "quarter-total", "县新单位", "2026Q1", "88",
                 "--reason", "复核后更正"]) == 0
    assert table(services, "2026Q1")["县新单位"].result.total == Decimal("88")
    assert main(["--config", cfg, "quarter-total", "县新单位", "2026Q1", "--remove"]) == 0
    assert "已删除「县新单位」2026年第一季度手工录入的总分" in capsys.readouterr().out
    assert table(services, "2026Q1")["县新单位"].assessed is False
    assert [e.action for e in audit(services)] == ["set", "update", "delete"]
    assert audit(services)[1].old == {"total": "86.50", "reason": "纸质考核"}
    for bad, words in ((["86.5"], "必须写明原因"), (["abc", "--reason", "x"], "应填数字"),
                       (["-1", "--reason", "x"], "0到1000"), ([], "--remove")):
        assert main(["--config", cfg, "quarter-total", "县新单位", "2026Q1", *bad]) == 2
        assert words in capsys.readouterr().err
    assert main(["--config", cfg, "quarter-total", "无此单位", "2026Q1", "80",
                 "--reason", "x"]) == 2
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(QuarterTotal)).all() == []


def test_a_hand_entered_total_wins_over_the_facts_of_the_same_quarter(services, dialogue,
                                                                      clock, cfg):
    registered(services, clock, shanghai(2026, 1, 1, 9, 0, 0))
    clock.set(shanghai(2026, 1, 10, 9, 0, 0))
    dialogue.say(ME, SUMMARY)
    dialogue.photo(ME, jpeg_bytes(seed=1))
    clock.set(shanghai(2026, 4, 10, 9, 0, 0))
    assert table(services, "2026Q1")["县新单位"].result.items["6.1"].score == Decimal("4")
    assert main(["--config", cfg, "quarter-total", "县新单位", "2026Q1", "91",
                 "--reason", "按原办法考核"]) == 0
    row = table(services, "2026Q1")["县新单位"]
    assert (row.result.total, row.result.items, row.result.pending) == (Decimal("91"), {}, ())
    assert row.note == "手工录入" and row.rank == 1
    [reply] = dialogue.say(ME, "查分 2026Q1")
    assert "6.1" not in reply and "手工录入" in reply


def test_the_year_exports_mark_hand_entered_and_left_out_quarters(services, clock, cfg,
                                                                   capsys, tmp_path):
    registered(services, clock, shanghai(2026, 3, 31, 9, 0, 0), liaisons=())
    registered(services, clock, shanghai(2026, 11, 28, 9, 0, 0), "县最新单位", liaisons=())
    assert main(["--config", cfg, "quarter-total", "县新单位", "2026Q2", "80",
                 "--reason", "纸质考核"]) == 0
    capsys.readouterr()
    assert main(["--config", cfg, "scores", "--year", "2026", "--format", "csv"]) == 0
    lines = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert lines[0] == ("类别,排名,单位,第一季度,第二季度,第三季度,季度平均,加分,扣分,年度得分,暂定,备注,"
                        "评分细则").split(",")
    by_unit = {line[2]: line for line in lines[1:] if line}
    assert by_unit["县新单位"][3:6] == ["未纳入", "80", by_unit["县新单位"][5]]
    assert by_unit["县新单位"][-2].startswith("第二季度手工录入；第一季度未纳入：单位于2026年3月31日")
    assert by_unit["县最新单位"][1] == "" and by_unit["县最新单位"][9] == "未纳入"
    path = tmp_path / "year.xlsx"
    assert main(["--config", cfg, "scores", "--year", "2026", "--format", "xlsx",
                 "--output", str(path)]) == 0
    sheet = load_workbook(path)["重点考核单位"]
    cells = {sheet.cell(r, 3).value: [c.value for c in sheet[r]][1:] for r in (4, 5)}
    assert cells["县新单位"][0] == 1 and cells["县新单位"][2:4] == ["未纳入", 80]
    assert cells["县最新单位"][0] is None and "未纳入" in cells["县最新单位"][-1]


def test_the_facts_spreadsheet_carries_hand_entered_totals_both_ways(services, clock, cfg,
                                                                     tmp_path, capsys):
    unit = registered(services, clock, shanghai(2026, 3, 31, 9, 0, 0), liaisons=())
    registered(services, clock, shanghai(2026, 3, 31, 9, 0, 0), "县妇联", liaisons=())
    path = tmp_path / "facts.xlsx"
    assert main(["--config", cfg, "facts", "template", "--quarter", "2026Q1", str(path)]) == 0
    book = load_workbook(path)
    sheet = book["季度事实"]
    header = [c.value for c in sheet[1]]
    assert header[-2:] == ["手工录入总分", "手工录入原因"]
    total_col = header.index("手工录入总分") + 1
    sheet.cell(2, total_col, 86.5)
    sheet.cell(2, total_col + 1, "纸质考核结果")
    book.save(path)
    assert main(["--config", cfg, "facts", "import", str(path)]) == 0
    assert "其中 1 个单位季度有变化" in capsys.readouterr().out
    row = table(services, "2026Q1")["县新单位"]
    assert (row.result.total, row.result.by_hand.reason) == (Decimal("86.5"), "纸质考核结果")
    [entry] = audit(services)
    assert entry.new == {"unit": "县新单位", "total": "86.50", "reason": "纸质考核结果"}
    again = tmp_path / "again.xlsx"
    assert main(["--config", cfg, "facts", "template", "--quarter", "2026Q1", str(again)]) == 0
    written = load_workbook(again)["季度事实"]
    assert [written.cell(2, total_col).value, written.cell(2, total_col + 1).value] == [
        86.5, "纸质考核结果"]
    assert main(["--config", cfg, "facts", "import", str(again)]) == 0  # unchanged: no entry
    assert len(audit(services)) == 1
    sheet.cell(2, total_col + 1).value = None   # a total without its reason
    sheet.cell(3, total_col, "很多")
    book.save(path)
    assert main(["--config", cfg, "facts", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "季度事实 第2行 U、V列（手工录入总分、原因）：手工录入总分必须写明原因" in err
    assert "季度事实 第3行 U、V列（手工录入总分、原因）：总分应填数字" in err
    sheet.cell(2, total_col).value = None       # both blank: the hand-entered total goes
    sheet.cell(3, total_col).value = None
    book.save(path)
    assert main(["--config", cfg, "facts", "import", str(path)]) == 0
    assert table(services, "2026Q1")["县新单位"].assessed is False
    assert [e.action for e in audit(services)] == ["set", "delete"] and unit


def test_an_older_facts_template_without_the_total_columns_leaves_totals_alone(
        services, clock, cfg, tmp_path):
    registered(services, clock, shanghai(2026, 3, 31, 9, 0, 0), liaisons=())
    assert main(["--config", cfg, "quarter-total", "县新单位", "2026Q1", "80",
                 "--reason", "纸质考核"]) == 0
    path = tmp_path / "facts.csv"
    assert main(["--config", cfg, "facts", "template", "--quarter", "2026Q1", str(path)]) == 0
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    old = [",".join(line.split(",")[:-2]) for line in lines]  # as templates were written before
    cells = old[1].split(",")
    cells[9] = "60"
    path.write_text("\n".join([old[0], ",".join(cells)]) + "\n", encoding="utf-8-sig")
    assert main(["--config", cfg, "facts", "import", str(path)]) == 0
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(QuarterTotal.total)).one() == Decimal("80.00")
    assert facts_of(services)["staff_on_post"] == 60
