"""Score tables and their exports, the charts, and the evidence packs (台账)."""
from __future__ import annotations

import zipfile
from io import BytesIO
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import create_app
from storage.db import UnitOfWork
from storage.models import StoredFile, SummaryItem
from tests.admin_support import built_pack, make_users, post, sign_in, small_history
from tests.conftest import SUMMARY


@pytest.fixture
def units(services, dialogue, clock):
    make_users(services)
    return small_history(services, dialogue, clock)


@pytest.fixture
def client(services, units):
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


def download(client, url: str) -> bytes:
    with client.get(url) as resp:
        assert resp.status_code == 200, url
        return resp.data


def test_the_quarter_table_ranks_each_category_and_opens_each_score(client, units):
    page = f"/admin/units/{units['党校']}/inputs"
    post(client, f"/admin/units/{units['党校']}/facts", {"services": "10", "service_items": "4",
                                                       "quarter": "2026Q1"}, page=page)
    html = client.get("/admin/scores?quarter=2026Q1").get_data(as_text=True)
    key = html.split('id="cat-key"')[1].split("</section>")[0]
    assert key.index("县委党校") < key.index("团县委")
    assert "<details" in key and "2月小结逾期提交" in key
    assert 'id="cat-department"' in html and 'id="cat-stationed"' not in html


def test_the_quarter_table_exports_to_xlsx_laid_out_by_category(client):
    book = load_workbook(BytesIO(download(client, "/admin/scores/export.xlsx?quarter=2026Q1")))
    assert book.sheetnames == ["重点考核单位", "县直部门"]
    sheet = book["重点考核单位"]
    assert "2026年第一季度" in sheet["A1"].value
    assert sheet["A2"].value.startswith("评分细则：西乡县") and "（2022）" in sheet["A2"].value
    groups, items = [c.value for c in sheet[3]], [c.value for c in sheet[4]]
    assert groups[:4] == ["序号", "排名", "单位", "计划总结资料上传（报送）（5分）"]
    assert items[3:7] == ["1.1 年度活动计划一览表（1.5分）", "1.2 年度工作总结（1.5分）",
                          "1.3 资料上传（报送）（2分）", "小计（5分）"]
    assert [sheet.cell(row=r, column=1).value for r in (5, 6)] == [1, 2]
    assert [sheet.cell(row=r, column=3).value for r in (5, 6)] == ["县委党校", "团县委"]
    assert sheet.print_title_rows == "$3:$4" and sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    book.close()


def test_the_quarter_and_year_tables_export_to_csv(client):
    data = download(client, "/admin/scores/export.csv?quarter=2026Q1")
    assert data.startswith("\ufeff".encode()) and '"类别","排名","单位"'.encode() in data
    assert "县人社局".encode() in data
    year = download(client, "/admin/scores/year/export.csv?year=2026").decode("utf-8-sig")
    assert year.startswith('"类别","排名","单位"') and "县委党校" in year
    book = load_workbook(BytesIO(download(client, "/admin/scores/year/export.xlsx?year=2026")))
    assert "重点考核单位" in book.sheetnames
    assert [c.value for c in book["重点考核单位"][3]][:3] == ["序号", "排名", "单位"]
    book.close()
    assert client.get("/admin/scores/export.pdf").status_code == 404


def test_the_charts_are_svg_drawn_here(client):
    html = client.get("/admin/charts?quarter=2026Q1").get_data(as_text=True)
    svgs = [part.split("</svg>")[0] + "</svg>" for part in html.split("<svg")[1:]]
    assert len(svgs) == 3   # months, and one distribution per category with units
    months = ElementTree.fromstring("<svg" + svgs[0])
    titles = [t.text for t in months.iter("{http://www.w3.org/2000/svg}title")]
    assert {"26年1月 按时 1", "26年1月 未报 2", "26年2月 按时 1", "26年2月 逾期 1",
            "26年2月 未报 1", "26年3月 未到期 3"} <= set(titles)
    assert "重点考核单位得分率分布" in html


def test_a_units_evidence_pack_holds_texts_photos_and_the_receipt_list(services, client,
                                                                        units):
    data = download(client, f"/admin/evidence/{units['党校']}.zip?quarter=2026Q1")
    with zipfile.ZipFile(BytesIO(data)) as pack:
        names = pack.namelist()
        assert "县委党校/2026-01/小结文字.txt" in names
        photos = sorted(n for n in names if "/照片/" in n)
        assert photos == ["县委党校/2026-01/照片/01_20260110-090000.jpg",
                          "县委党校/2026-02/照片/01_20260226-090000.jpg"]
        text = pack.read("县委党校/2026-01/小结文字.txt").decode("utf-8-sig")
        assert SUMMARY in text and "2026-01-10 09:00:00" in text
        with UnitOfWork(services.session_factory) as uow:
            path = uow.session.scalars(
                select(StoredFile.path).join(SummaryItem, SummaryItem.file_id == StoredFile.id)
                .where(SummaryItem.unit_id == units["党校"], SummaryItem.month == "2026-01")
            ).one()
        assert pack.read(photos[0]) == services.files.read(path)
        book = load_workbook(BytesIO(pack.read("县委党校/回执清单.xlsx")))
    months = list(book["月度情况"].iter_rows(min_row=2, values_only=True))
    assert [(m[0], m[1], m[2]) for m in months] == [
        ("2026年1月", "按时", "2026-01-10 09:00:00"), ("2026年2月", "逾期", "2026-02-26 09:00:00"),
        ("2026年3月", "未到期", None)]
    items = list(book["回执清单"].iter_rows(min_row=2, values_only=True))
    assert len(items) == 4 and items[1][8] == "2026-01/照片/01_20260110-090000.jpg"
    book.close()


def test_all_units_at_once_with_an_overview(services, client):
    with zipfile.ZipFile(BytesIO(built_pack(services, client))) as pack:
        names = pack.namelist()
        assert "2026Q1报送汇总.xlsx" in names
        assert {n.split("/")[0] for n in names if "/" in n} == {"县委党校", "团县委", "县人社局"}
        book = load_workbook(BytesIO(pack.read("2026Q1报送汇总.xlsx")))
    rows = {r[0]: r[1:] for r in book.active.iter_rows(min_row=2, values_only=True)}
    assert rows["团县委"][0] == "未报" and rows["县委党校"][2] == "逾期"
    book.close()
    assert client.get("/admin/evidence/999999.zip").status_code == 404
    assert client.get("/admin/evidence/all.zip").status_code == 404   # built by the worker now
    assert "生成证据包" in client.get("/admin/evidence").get_data(as_text=True)
