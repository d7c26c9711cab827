"""The score tables are laid out like the rules' table: per category the units as rows
with 序号, the items grouped under their 考核内容 with each group's subtotal, the item names
in the header (on the web page too), ranked; the CLI's table and csv sorted by rank like
the page; the year's sheet names its quarters 第一季度 …; every table names the rubric
version that scored it."""
from __future__ import annotations

import csv
import io
from io import BytesIO

import pytest
from openpyxl import load_workbook

from bot.app import create_app
from bot.cli import main
from tests.admin_support import make_users, post, sign_in, small_history
from tests.conftest import shanghai

VERSION = "西乡县部门（单位）新时代文明实践工作考核细则（试行）（2022）"


@pytest.fixture
def units(services, dialogue, clock):
    make_users(services)
    return small_history(services, dialogue, clock)


@pytest.fixture
def client(services, units):
    client = create_app(services=services).test_client()
    sign_in(client)
    inputs = f"/admin/units/{units['团委']}/inputs"   # 团委 ahead of 党校 (a lower id)
    post(client, f"/admin/units/{units['团委']}/facts",
         {"services": "10", "service_items": "4", "team_flag": "是", "quarter": "2026Q1"},
         page=inputs)
    return client


@pytest.fixture
def cfg(config, tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n', encoding="utf-8")
    return str(path)


def test_the_web_table_names_every_item_groups_them_and_adds_each_group_up(client):
    html = client.get("/admin/scores?quarter=2026Q1").get_data(as_text=True)
    key = html.split('id="cat-key"')[1].split("</section>")[0]
    assert VERSION in html
    for words in ("序号", "计划总结资料上传（报送）",
                  "1.1 年度活动计划一览表", "3.1 服务次数", "6.2 满意率", "小计"):
        assert words in key
    head = key.split("</thead>")[0]
    assert head.count('class="group"') == 6 and head.count('class="subtotal"') == 5
    body = key.split("<tbody>", 1)[1]
    assert body.index("团县委") < body.index("县委党校")     # ranked, not by id
    first = body.split("</tr>")[0]
    assert "<td>1</td>" in first
    assert 'class="subtotal">2<' in first and 'class="subtotal">30<' in first   # 队伍, 活动


def test_the_cli_table_and_csv_follow_the_ranks_and_name_the_version(units, client, cfg,
                                                                     capsys):
    capsys.readouterr()
    assert main(["--config", cfg, "scores", "--quarter", "2026Q1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1] == f"评分细则：{VERSION}，西实践发〔2022〕5号"
    assert out.index("团县委") < out.index("县委党校") < out.index("县人社局")
    assert main(["--config", cfg, "scores", "--quarter", "2026Q1", "--format", "csv"]) == 0
    rows = [r for r in csv.reader(io.StringIO(capsys.readouterr().out)) if r]
    assert [r[2] for r in rows[1:]] == ["团县委", "县委党校", "县人社局"]
    assert [r[1] for r in rows[1:]] == ["1", "2", "1"]
    assert rows[0][-1] == "评分细则" and {r[-1] for r in rows[1:]} == {VERSION}


def test_the_year_sheet_names_its_quarters_and_prints_on_landscape_pages(client, clock):
    clock.set(shanghai(2026, 4, 10, 9, 0, 0))
    with client.get("/admin/scores/year/export.xlsx?year=2026") as resp:
        sheet = load_workbook(BytesIO(resp.data))["重点考核单位"]
    assert sheet["A2"].value.startswith(f"评分细则：{VERSION}")
    assert [c.value for c in sheet[3]][:5] == ["序号", "排名", "单位", "第一季度", "季度平均"]
    assert [sheet.cell(r, 3).value for r in (4, 5)] == ["团县委", "县委党校"]
    assert sheet.print_title_rows == "$3:$3" and sheet.page_setup.orientation == "landscape"


def test_the_quarter_sheet_puts_each_group_over_its_items_with_a_subtotal(client):
    with client.get("/admin/scores/export.xlsx?quarter=2026Q1") as resp:
        book = load_workbook(BytesIO(resp.data))
    sheet = book["县直部门"]
    groups = [c.value for c in sheet[3] if c.value]
    assert groups == ["序号", "排名", "单位", "队伍建设（5分）", "活动开展（40分）",
                      "媒体宣传（10分）", "反馈评价（10分）", "总分", "标准分", "得分率%",
                      "待录入项", "备注"]
    assert [str(r) for r in sheet.merged_cells.ranges if r.min_row == 3 and r.max_row == 3] == [
        "E3:G3", "I3:K3"]     # 3.1 3.2 小计, 6.1 6.2 小计
    assert sheet.cell(5, 3).value == "县人社局" and sheet.cell(5, 1).value == 1
