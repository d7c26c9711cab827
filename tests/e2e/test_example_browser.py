"""The example district rubric's input form and its export in a real browser (Debian's
chromium through Playwright): the form offers the example's facts with their widgets, a
cross-check is confirmed with a tick, the score follows, and the exported xlsx holds the
example's groups."""
from __future__ import annotations

import threading

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from werkzeug.serving import make_server

from bot.app import create_app
from bot.bootstrap import build_services
from bot.clock import FixedClock
from bot.config import build_config
from tests.admin_support import ADMIN, make_users
from tests.browser import DESKTOP
from tests.conftest import add_unit, shanghai


@pytest.fixture
def server(db_url, tmp_path):
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
                           "rubric": {"file": "example-district"}})
    services = build_services(config, clock=FixedClock(shanghai(2027, 1, 4, 9, 0, 0)))
    station = add_unit(services, "东街实践站", "station")
    add_unit(services, "城关分中心", "sub_centre")
    make_users(services)
    services.clock.set(shanghai(2027, 4, 2, 10, 0, 0))
    httpd = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", station
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()
    services.close()


@pytest.fixture
def page(browser, server):
    base, _ = server
    context = browser.new_context(accept_downloads=True, base_url=base, **DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/admin/login")
    page.fill("input[name=name]", ADMIN[0])
    page.fill("input[name=password]", ADMIN[1])
    page.click("button:has-text('登录')")
    yield page
    context.close()


def score(page) -> str:
    return page.locator("details.score summary .total").first.inner_text()


def test_the_example_s_form_takes_its_facts_and_confirms_a_cross_check(page, server):
    _, station = server
    page.goto(f"/admin/units/{station}/inputs?quarter=2027Q1")
    expect(page.locator("#facts")).to_contain_text("示例区新时代文明实践分中心、所、站工作考核细则")
    page.select_option("#f-has_sign", "是")
    page.select_option("#f-rules_posted", "是")
    page.select_option("#f-service_state", "A")
    page.fill("#f-staff", "20")
    page.fill("#f-registered_volunteers", "25")
    page.fill("#f-activities", "6")
    page.fill("#f-closed_checks", "0")
    page.fill("#f-complaints", "0")
    page.fill("#f-brand_points", "8")
    page.fill("input[name='brand_points-0-reason']", "特色鲜明")
    page.click("button:has-text('保存考核事实')")
    expect(page.locator(".flash.warning")).to_contain_text("注册志愿者人数多于在职党员干部人数")
    assert page.input_value("#f-registered_volunteers") == "25"   # what was typed stays
    page.check("input[name=confirm]")
    page.click("button:has-text('保存考核事实')")
    expect(page.locator(".flash.ok")).to_contain_text("已保存")
    # 1.1 10, 1.2 10, 2.1 125% 10, 2.2 A 10, 3.1 15, 3.2 15, 3.3 8; 4.1 pending;
    # 4.2 no report in three months: 10 − 3 × 2
    assert score(page) == "82"


def test_the_example_s_table_exports_to_an_xlsx_of_its_groups(page, server, tmp_path):
    page.goto("/admin/scores?quarter=2027Q1")
    expect(page.locator("#cat-station table.scores > thead")).to_contain_text("1.2 阵地开放")
    expect(page.locator("#cat-station table.scores > thead")).to_contain_text("阵地建设")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    book = load_workbook(path)
    assert book.sheetnames == ["分中心", "实践所站"]
    assert book["实践所站"]["A2"].value.startswith("评分细则：示例区")
    assert book["实践所站"].cell(5, 3).value == "东街实践站"
    book.close()
