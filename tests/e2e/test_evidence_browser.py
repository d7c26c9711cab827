"""Every unit's evidence pack in a real browser (Debian's chromium through Playwright, at a
desktop's size): the office asks for it, the page shows it queued, a worker builds it, the
page (polling, not reloaded) shows it ready, and the download is the pack; the quarter's
flagged photos are one click away, their thumbnails shown."""
from __future__ import annotations

import threading
import zipfile

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from bot.app import create_app
from bot.worker import Worker
from tests.admin_support import ADMIN, make_users, small_history
from tests.browser import DESKTOP


@pytest.fixture
def server(services, dialogue, clock):
    make_users(services)
    small_history(services, dialogue, clock)
    httpd = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True, base_url=server, **DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.outside = []
    page.on("request", lambda r: r.url.startswith((server, "data:")) or page.outside.append(r.url))
    page.goto("/admin/evidence?quarter=2026Q1")
    page.fill("input[name=name]", ADMIN[0])
    page.fill("input[name=password]", ADMIN[1])
    page.click("button:has-text('登录')")
    expect(page.locator("h1")).to_have_text("台账（2026年第一季度）")
    yield page
    assert page.outside == []
    context.close()


def test_a_pack_is_queued_then_built_by_the_worker_and_downloaded(page, services, tmp_path):
    status = page.locator("#packs .pack-status")
    expect(status).to_have_count(0)
    page.click("#ask-pack")
    expect(page.locator(".flash.ok")).to_contain_text("已提交生成2026年第一季度全部单位台账")
    expect(status).to_have_text(["排队中"])
    expect(page.locator("#packs a.pack-download")).to_have_count(0)
    worker = Worker(services)
    while worker.run_once():
        pass
    # The page polls while a pack is pending: no reload here.
    expect(status).to_have_text(["已完成"])
    link = page.locator("#packs a.pack-download")
    expect(link).to_have_count(1)
    expect(page.locator("#packs")).to_contain_text("保留至 2026-03-27 10:00:00")
    with page.expect_download() as download:
        link.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "全部单位-2026Q1-台账.zip"
    with zipfile.ZipFile(path) as pack:
        assert pack.testzip() is None
        names = pack.namelist()
    assert "2026Q1报送汇总.xlsx" in names
    assert {"县委党校/回执清单.xlsx", "团县委/回执清单.xlsx", "县人社局/回执清单.xlsx"} <= set(names)


def test_the_flagged_photos_open_from_the_packs_page_with_their_thumbnails(page):
    page.click("#flags-link")
    expect(page.locator("h1")).to_have_text("被标记的照片（2026年第一季度）")
    rows = page.locator("table.flagged-photos tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("拍摄时间 2025年12月，不在 2026年2月")
    thumbs = page.locator("table.flagged-photos img.thumb")
    expect(thumbs).to_have_count(3)
    for i in range(3):
        thumbs.nth(i).scroll_into_view_if_needed()
        assert page.evaluate("img => img.complete && img.naturalWidth > 0",
                             thumbs.nth(i).element_handle())
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["viewport"]["width"]
