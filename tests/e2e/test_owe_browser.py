"""Who still owes, and a reminder in one click, in a real browser (Debian's chromium through
Playwright) at a desktop's size and at a phone's: the board shows only the units that owe
the open month with what each lacks, the button asks first naming the count, cancelling
sends nothing, confirming queues the reminders and the page shows what the worker sent
and what failed; the list exports to xlsx; nothing is wider than the screen."""
from __future__ import annotations

import threading

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.worker import Worker
from storage.db import UnitOfWork
from storage.models import Notice
from tests.admin_support import ADMIN, make_users, owe_history
from tests.browser import DESKTOP, PHONE

SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def server(services):
    make_users(services)
    owe_history(services)
    httpd = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()


@pytest.fixture(params=list(SIZES))
def page(request, browser, server):
    context = browser.new_context(accept_downloads=True, base_url=server, **SIZES[request.param])
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.outside = []
    page.on("request", lambda r: r.url.startswith((server, "data:")) or page.outside.append(r.url))
    page.goto("/admin/board")
    page.fill("input[name=name]", ADMIN[0])
    page.fill("input[name=password]", ADMIN[1])
    page.click("button:has-text('登录')")
    expect(page.locator("h1")).to_have_text("报送看板")
    page.get_by_label("只看2026年3月未报齐的单位").check()
    page.click("button:has-text('查看')")
    expect(page.locator("#owe h2")).to_have_text("2026年3月还没有报齐的单位：3 个")
    yield page
    assert page.outside == []
    context.close()


def notice_count(services) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalar(select(func.count()).select_from(Notice))


def fits(page) -> None:
    """Nothing wider than the window: wide tables scroll inside their own box."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_owe_list_shows_what_each_unit_lacks_and_its_liaisons(page):
    rows = page.locator("#owe-list tbody tr")
    expect(rows).to_have_count(3)
    dangxiao = page.locator("#owe-list tr[data-unit='县委党校']")
    expect(dangxiao).to_contain_text("文字 12/50 字")
    expect(dangxiao).to_contain_text("图片 0/1 张")
    expect(dangxiao).to_contain_text("文字 38 字、图片 1 张")
    expect(dangxiao).to_contain_text("张三（网页控制台） 13800000001")
    expect(dangxiao).to_contain_text("李四（企业微信）")
    expect(dangxiao).to_contain_text("未提醒")
    expect(page.locator("#owe-list tr[data-unit='县人社局']")).to_contain_text(
        "没有绑定联络员，无法提醒")
    expect(page.locator("#owe-list")).not_to_contain_text("县妇联")
    fits(page)


def test_the_button_asks_first_and_cancelling_sends_nothing(page, services):
    page.click("#remind")
    expect(page.locator(".confirm-question")).to_have_text("将提醒 2 个单位，确定？")
    expect(page.locator("#remind-confirm")).to_contain_text("1 个单位没有绑定联络员，无法提醒")
    fits(page)
    page.click("#remind-no")
    expect(page.locator("#owe h2")).to_be_visible()
    assert notice_count(services) == 0


def test_confirming_reminds_and_the_page_shows_what_was_sent_and_what_failed(page, services):
    page.click("#remind")
    page.click("#remind-yes")
    expect(page.locator(".flash.ok")).to_contain_text("已提醒 2 个单位、3 名联络员")
    expect(page.locator("#last-run")).to_contain_text("待发送 3，已发送 0，发送失败 0")
    assert notice_count(services) == 3
    Worker(services).run_once()     # the worker sends the notices
    page.reload()
    last = page.locator("#last-run")
    expect(last).to_contain_text("待发送 0，已发送 2，发送失败 1")
    expect(last.locator("tr.delivery-failed")).to_contain_text("李四（企业微信）")
    expect(last.locator("tr.delivery-failed")).to_contain_text("渠道 wecom 未配置，无法发送")
    expect(page.locator("#owe-list tr[data-unit='团县委']")).to_contain_text("今天已提醒")
    expect(page.locator("#remind")).to_have_text("提醒这些单位（0 个）")
    page.click("#remind")           # once a day: nothing left to remind today
    expect(page.locator(".flash.error")).to_contain_text("没有可以提醒的单位")
    assert notice_count(services) == 3
    fits(page)


def test_the_list_exports_to_xlsx(page, tmp_path):
    with page.expect_download() as download:
        page.click("#owe-export")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "2026年3月未报齐单位-20260320.xlsx"
    sheet = load_workbook(path).active
    assert [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)] == [
        "县人社局", "县委党校", "团县委"]
    assert sheet.cell(row=3, column=9).value == "文字 38 字、图片 1 张"


def test_the_buttons_fit_a_phone_and_are_big_enough_to_touch(page):
    width = page.viewport_size["width"]
    for selector in ("#remind", "#owe-export"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box, width)
        assert box["height"] >= 20, (selector, box)
