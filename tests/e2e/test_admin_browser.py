"""The office console in a real browser (Debian's chromium through Playwright) against a
real server in a thread: sign in, read the board, open a unit, enter facts, waive a month
and see the score change, export the table and open the file; enter a year's holidays
and see a reminder move off one."""
from __future__ import annotations

import re
import threading

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from werkzeug.serving import make_server

from bot.app import create_app
from bot.bootstrap import build_services
from bot.config import build_config
from bot.worker.notices import fire
from bot.worker.schedule import due_now
from tests.admin_support import ADMIN, make_users, small_history
from tests.conftest import add_unit, shanghai




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
    expect(page.locator("ol.audit-log")).to_contain_text("后台用户 chief 将「团县委」2026年1月设为豁免")


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
    units = {sheet.cell(row=r, column=3).value for r in range(5, sheet.max_row + 1)}
    assert units == {"县委党校", "团县委"}
    book.close()


@pytest.fixture
def reminding_on_the_5th(db_url, tmp_path, clock):
    """A deployment that reminds on the 5th, the 20th and the last day; January 2027."""
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
                           "reminders": {"schedule": ["5 09:10", "20 09:10", "-1 16:10"]}})
    with build_services(config, clock=clock) as services:
        clock.set(shanghai(2027, 1, 10, 10, 0, 0))
        make_users(services)
        add_unit(services, "县委党校", liaisons=["console:dangxiao"])
        httpd = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield services, f"http://127.0.0.1:{httpd.server_port}"
        httpd.shutdown()
        thread.join(10)
        httpd.server_close()


def test_the_office_enters_next_years_holidays_and_a_reminder_moves_off_one(
        browser, reminding_on_the_5th):
    services, base = reminding_on_the_5th
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/admin/")
    page.fill("input[name=name]", ADMIN[0])
    page.fill("input[name=password]", ADMIN[1])
    page.click("button:has-text('登录')")
    expect(page.locator("#calendar-missing")).to_contain_text("2027年的放假调休安排还没有录入")
    page.click("#calendar-missing a")
    expect(page.locator("h1")).to_have_text("2027年放假调休安排")
    february = page.locator('tr[data-month="2027-02"] .times')
    expect(february).to_have_text("02-05 09:10、02-19 09:10、02-24 16:10")
    page.get_by_label("春节开始").fill("2027-02-05")
    page.get_by_label("春节结束").fill("2027-02-13")
    page.locator("input[name=workday]").first.fill("2027-02-20")
    page.click("button:has-text('保存2027年安排')")
    expect(page.locator(".flash.ok")).to_contain_text("已保存2027年放假调休安排")
    expect(february).to_have_text("02-04 09:10、02-20 09:10、02-24 16:10")
    expect(page.locator("#days")).to_contain_text("2027-02-08")
    expect(page.locator("#calendar-missing")).to_have_count(0)
    context.close()
    services.clock.set(shanghai(2027, 2, 4, 9, 10, 0))
    rules = services.conversation.rules
    [due] = due_now(services.clock.now(), services.config.reminders, rules.deadline)
    assert (due.name, due.period) == ("reminder0", "2027-02")
    assert fire(services, due) == 1
