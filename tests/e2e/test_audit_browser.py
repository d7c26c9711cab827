"""The audit log in a real browser (Debian's chromium through Playwright), at a desktop's size
and at a phone's: every entry a Chinese sentence, the filters by unit, person, kind and day
narrow it, the form fits a phone's width, and the export holds what the filter found."""
from __future__ import annotations

import threading

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from werkzeug.serving import make_server

from bot.app import create_app
from tests.admin_support import ADMIN, make_users, post, sign_in, small_history
from tests.browser import DESKTOP, PHONE
from tests.conftest import SUMMARY, shanghai

SIZES = {"phone": PHONE, "desktop": DESKTOP}



@pytest.fixture
def server(services, dialogue, clock):
    """small_history; 团县委's January waived at 07:00 and at 10:00; 张三 bound to 县委党校,
    who sends a text and withdraws it."""
    make_users(services)
    units = small_history(services, dialogue, clock)
    app = create_app(services=services)
    office = app.test_client()
    sign_in(office)
    inputs = f"/admin/units/{units['团委']}/inputs"
    for hour, reason in ((7, "停电"), (10, "停电两周")):
        clock.set(shanghai(2026, 3, 20, hour, 0, 0))
        post(office, f"/admin/units/{units['团委']}/excuses",
             {"month": "2026-01", "kind": "waived", "reason": reason}, page=inputs)
    page = f"/admin/units/{units['党校']}"
    post(office, f"{page}/liaisons", {"channel": "wecom", "user_id": "ZhangSan",
                                      "display_name": "张三"}, page=page)
    dialogue.say("wecom:ZhangSan", SUMMARY)
    dialogue.say("wecom:ZhangSan", "撤回")
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
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
    page.goto("/admin/audit")
    page.fill("input[name=name]", ADMIN[0])
    page.fill("input[name=password]", ADMIN[1])
    page.click("button:has-text('登录')")
    expect(page.locator("h1")).to_have_text("审计日志")
    yield page
    assert page.outside == []
    context.close()


def entries(page):
    return page.locator("ol.audit-log li")


def test_the_log_reads_as_sentences_and_each_filter_narrows_it(page):
    expect(entries(page)).to_have_count(6)
    expect(entries(page).first).to_have_text(
        "报送材料 2026-03-20 10:00:00，联络员张三撤回「县委党校」2026年3月的一条文字。")
    expect(page.locator("ol.audit-log")).to_contain_text(
        "后台用户 chief 将「团县委」2026年1月设为豁免，原因：停电两周（原为豁免，原因：停电）。")
    expect(page.locator("ol.audit-log")).not_to_contain_text("month_excuse")

    page.get_by_label("单位", exact=True).select_option(label="团县委")
    page.click("button:has-text('筛选')")
    expect(page.locator("#audit-count")).to_contain_text("共 2 条")
    expect(entries(page)).to_have_count(2)
    expect(page.get_by_label("单位", exact=True)).to_have_value(page.url.split("unit=")[1].split("&")[0])

    page.click("text=清除筛选")
    page.get_by_label("操作人", exact=True).select_option(label="联络员张三")
    page.click("button:has-text('筛选')")
    expect(entries(page)).to_have_count(1)
    expect(entries(page).first).to_contain_text("撤回「县委党校」")

    page.click("text=清除筛选")
    page.get_by_label("类别", exact=True).select_option("单位与联络员")
    page.click("button:has-text('筛选')")
    expect(entries(page)).to_have_count(1)
    expect(entries(page).first).to_contain_text("将联络员张三绑定到「县委党校」")

    page.click("text=清除筛选")
    page.get_by_label("从", exact=True).fill("2026-03-20")
    page.get_by_label("到", exact=True).fill("2026-03-20")
    page.get_by_label("类别", exact=True).select_option("豁免与免报")
    page.click("button:has-text('筛选')")
    expect(entries(page)).to_have_count(2)
    expect(entries(page).last).to_contain_text("2026-03-20 07:00:00")   # Shanghai's day
    page.get_by_label("到", exact=True).fill("2026-03-19")
    page.get_by_label("从", exact=True).fill("")
    page.click("button:has-text('筛选')")
    expect(entries(page)).to_have_text(["没有记录。"])


def test_the_export_holds_what_the_filter_found(page, tmp_path):
    page.get_by_label("单位", exact=True).select_option(label="团县委")
    page.click("button:has-text('筛选')")
    expect(entries(page)).to_have_count(2)
    with page.expect_download() as download:
        page.click("#audit-export")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "审计日志-20260320.xlsx"
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == ["时间", "操作人", "单位", "类别", "记录"]
    assert [sheet.cell(row=r, column=3).value for r in range(2, sheet.max_row + 1)] == [
        "团县委", "团县委"]


def test_the_filter_form_fits_the_screen(page):
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    controls = page.locator("#audit-filters select, #audit-filters input, "
                            "#audit-filters button, #audit-export")
    expect(controls).to_have_count(7)
    for i in range(7):
        control = controls.nth(i)
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (i, box, width)
        assert box["height"] >= 20, (i, box)     # big enough to touch
