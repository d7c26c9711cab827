"""Returns and appeals in a real browser (Debian's chromium through Playwright): the office
returns a month on the unit page, the liaison (played in the console, /console, at a
phone's size) reads why and fixes it, and the unit page shows the fix; the liaison
appeals, the office sees the count in the navigation, decides on the list page, and the
liaison reads the decision."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from bot.app import create_app
from bot.worker import Worker
from tests.admin_support import ADMIN, make_users
from tests.browser import DESKTOP, PHONE
from tests.conftest import SUMMARY, add_unit, jpeg_bytes, shanghai

UNIT = "县委党校"


@pytest.fixture
def server(services, dialogue, clock):
    """县委党校 since September 2026 (console liaison 县委党校): October missed, November
    complete on the 10th; the clock at Thursday 12 November 10:00."""
    make_users(services)
    clock.set(shanghai(2026, 9, 1, 9, 0, 0))
    unit_id = add_unit(services, UNIT, liaisons=[f"console:{UNIT}"])
    clock.set(shanghai(2026, 11, 10, 9, 0, 0))
    dialogue.say(f"console:{UNIT}", SUMMARY)
    dialogue.photo(f"console:{UNIT}", jpeg_bytes(seed=1))
    clock.set(shanghai(2026, 11, 12, 10, 0, 0))
    httpd = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", unit_id
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()


def opened(browser, base, size):
    context = browser.new_context(base_url=base, **size)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("request", lambda r: r.url.startswith((base, "data:")) or page.problems.append(r.url))
    return page


@pytest.fixture
def office(browser, server):
    page = opened(browser, server[0], DESKTOP)
    page.goto("/admin/login")
    page.fill("input[name=name]", ADMIN[0])
    page.fill("input[name=password]", ADMIN[1])
    page.click("button:has-text('登录')")
    yield page
    assert page.problems == []
    page.context.close()


@pytest.fixture
def liaison(browser, server):
    page = opened(browser, server[0], PHONE)
    yield page
    assert page.problems == []
    page.context.close()


def open_console(page):
    page.goto("/console")
    expect(page.locator("#log")).to_have_attribute("data-loaded", "yes")


def say(page, text: str):
    page.fill("#text", text)
    page.press("#text", "Enter")
    return page.locator("#log .turn").last.locator(".msg.bot")


def test_the_office_returns_a_month_and_the_liaison_fixes_it(services, server, office,
                                                             liaison, clock):
    _, unit_id = server
    office.goto(f"/admin/units/{unit_id}?quarter=2026Q4")
    november = office.locator("#m-2026-11")
    expect(november.locator("h2 .cell")).to_have_text("按时")
    november.locator("summary:has-text('审核本月小结')").click()
    november.get_by_label("照片与活动无关").check()
    november.get_by_label("具体说明").fill("请补充活动现场照片")
    november.locator("button:has-text('退回')").click()
    expect(office.locator(".flash.ok")).to_contain_text("已退回「县委党校」2026年11月的小结")
    november = office.locator("#m-2026-11")
    expect(november.locator("h2 .cell")).to_have_text("未到期")
    expect(november.locator(".review-trail")).to_contain_text(
        "退回（2026-11-12 10:00:00，chief）：照片与活动无关；请补充活动现场照片")

    Worker(services).run_once(limit=20)            # the return's notice, to the console
    open_console(liaison)
    expect(liaison.locator("#log .msg.bot").last).to_contain_text(
        "【小结退回】「县委党校」2026年11月的小结被中心办公室退回。")
    expect(liaison.locator("#log .msg.bot").last).to_contain_text("请在11月17日（含当日）前补交")
    expect(say(liaison, "状态").last).to_contain_text("已退回：照片与活动无关")

    clock.set(shanghai(2026, 11, 16, 9, 0, 0))
    receipt = say(liaison, "补充：本月活动现场照片已重新拍摄，附签到表，服务老人八十余人次。")
    expect(receipt.last).to_contain_text("已补交，按原完成时间计；已齐全，按时报送（完成于 2026-11-10 09:00")

    office.reload()
    november = office.locator("#m-2026-11")
    expect(november.locator("h2 .cell")).to_have_text("按时")
    expect(november.locator(".review-trail")).to_contain_text(
        "联络员已于 2026-11-16 09:00:00 补交，已补交，按原完成时间计")


def test_the_liaison_appeals_and_the_office_decides(services, server, office, liaison, clock):
    clock.set(shanghai(2026, 12, 2, 10, 0, 0))
    open_console(liaison)
    ack = say(liaison, "申诉 10月 当月25日全县停电，无法上传材料")
    expect(ack.last).to_contain_text("已收到您的申诉（编号 ")
    expect(ack.last).to_contain_text("「县委党校」2026年10月")

    office.goto("/admin/board")
    expect(office.locator("#nav-appeals .badge")).to_have_text("1")
    office.click("#nav-appeals")
    expect(office.locator("h1")).to_have_text("申诉")
    row = office.locator("#appeals tbody tr").first
    expect(row).to_contain_text("当月25日全县停电，无法上传材料")
    expect(row).to_contain_text("未报")
    row.get_by_label("豁免该月").check()
    row.get_by_label("理由").fill("停电属实")
    row.locator("button:has-text('提交处理结果')").click()
    expect(office.locator(".flash.ok")).to_contain_text("已处理：已豁免，已通知联络员")
    expect(office.locator("#nav-appeals .badge")).to_have_count(0)
    office.click("text=全部申诉")
    expect(office.locator("#appeals")).to_contain_text("已豁免（")
    expect(office.locator("#appeals")).to_contain_text("停电属实")

    Worker(services).run_once(limit=20)
    open_console(liaison)
    expect(liaison.locator("#log .msg.bot").last).to_contain_text(
        "中心办公室决定豁免该月，该月不再扣分。")
