"""The office console in a real browser (Debian's chromium through Playwright) against a
real server in a thread: sign in, read the board, open a unit, enter facts, waive a month
and see the score change, export the table and open the file."""
from __future__ import annotations

import re
import shutil
import threading

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from bot.app import create_app
from tests.admin_support import ADMIN, make_users, small_history

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(services, dialogue, clock):
    make_users(services)
    units = small_history(services, dialogue, clock)
    httpd = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", units
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()


@pytest.fixture
def page(browser, server):
    base, _ = server
    context = browser.new_context(accept_downloads=True, base_url=base,
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto("/admin/")
    page.fill("input[name=name]", ADMIN[0])
    page.fill("input[name=password]", ADMIN[1])
    page.click("button:has-text('登录')")
    expect(page.locator("h1")).to_have_text("报送看板")
    yield page
    context.close()


def total(page) -> str:
    return page.locator("details.score summary .total").first.inner_text()


def test_the_office_signs_in_reads_the_board_and_opens_a_unit(page, server):
    base, _ = server
    page.goto("/admin/board?end=2026-03&span=3")
    cell = page.locator('td[data-unit="县委党校"][data-month="2026-02"]')
    expect(cell).to_contain_text("逾期")
    expect(cell).to_contain_text("02-26 09:00")
    expect(page.locator('td[data-unit="团县委"][data-month="2026-01"]')).to_contain_text("未报")
    page.locator('td[data-unit="县委党校"][data-month="2026-01"] a').click()
    expect(page.locator("h1")).to_contain_text("县委党校")
    month = page.locator("#m-2026-01")
    expect(month).to_contain_text("按时")
    expect(month).to_contain_text("本月组织志愿者")
    thumb = month.locator(".gallery img").first
    expect(thumb).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", thumb.element_handle())
    expect(page.locator("#m-2026-01 .flag")).to_contain_text("团县委")
    with page.context.expect_page() as opened:
        thumb.click()
    full = opened.value
    full.wait_for_load_state()
    assert full.evaluate("document.images[0].naturalWidth") == 640
    full.close()
    outside = [u for u in page.requests if not u.startswith((base, "data:"))]
    assert outside == []


def test_entering_facts_and_waiving_a_month_changes_the_score(page, server):
    _, units = server
    page.goto(f"/admin/units/{units['团委']}/inputs?quarter=2026Q1")
    assert total(page) == "4.5"                     # January missing, nothing entered
    page.fill("#f-services", "8")
    page.fill("#f-service_items", "4")
    page.select_option("#f-team_flag", "是")
    page.click("button:has-text('保存考核事实')")
    expect(page.locator(".flash.ok")).to_contain_text("已保存")
    assert total(page) == "26.5"                    # 4.5 + 20 (3.1) + 2 (2.1)
    row = page.locator("#excuses tr", has_text="2026年1月")
    row.locator("select[name=kind]").select_option("waived")
    row.locator("input[name=reason]").fill("承担防汛抢险任务")
    row.locator("button:has-text('确定')").click()
    expect(page.locator(".flash.ok")).to_contain_text("豁免")
    assert total(page) == "27"
    page.locator("details.score summary").first.click()
    expect(page.locator("details.score table.items")).to_contain_text("6.1 月度小结")
    page.goto("/admin/board?end=2026-03&span=3")
    expect(page.locator('td[data-unit="团县委"][data-month="2026-01"]')).to_contain_text("已豁免")
    page.goto("/admin/audit")
    expect(page.locator("table.audit")).to_contain_text("admin:chief")


def test_the_score_table_exports_to_an_xlsx_that_opens(page, tmp_path):
    page.goto("/admin/scores?quarter=2026Q1")
    expect(page.locator("#cat-key")).to_contain_text("县委党校")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert re.fullmatch(r"考核得分-2026Q1\.xlsx", path.name)
    book = load_workbook(path)
    sheet = book["重点考核单位"]
    units = {sheet.cell(row=r, column=2).value for r in range(3, sheet.max_row + 1)}
    assert units == {"县委党校", "团县委"}
    book.close()
