"""The liaison console in a real browser (Debian's chromium through Playwright), at a phone's
size and at a desktop's: the composer stays in view, only the history scrolls, Enter sends,
Shift+Enter and an input method's Enter do not, and several photos go at once."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.app import create_app
from storage.db import UnitOfWork
from storage.models import InboundMessage, SummaryItem
from tests.browser import DESKTOP, PHONE
from tests.conftest import SUMMARY, add_unit, jpeg_bytes

USER = "县委党校"
EARLIER = 30                     # past messages: far more than a phone's screen holds



@pytest.fixture
def server(services, dialogue):
    add_unit(services, USER, liaisons=[f"console:{USER}"])
    for _ in range(EARLIER - 1):
        dialogue.say(f"console:{USER}", "状态")
    dialogue.say(f"console:{USER}", "帮助")        # the newest, at the same instant as the rest
    httpd = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(10)
    httpd.server_close()


def open_console(browser, base, size):
    """A fresh browser at that size on /console, its history loaded; also what went wrong."""
    context = browser.new_context(base_url=base, **size)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("request", lambda r: r.url.startswith((base, "data:")) or page.problems.append(r.url))
    page.response = page.goto("/console")
    expect(page.locator("#log")).to_have_attribute("data-loaded", "yes")
    return page


@pytest.fixture
def phone(browser, server):
    page = open_console(browser, server, PHONE)
    yield page
    page.context.close()


@pytest.fixture
def desktop(browser, server):
    page = open_console(browser, server, DESKTOP)
    yield page
    page.context.close()


def layout(page) -> dict:
    return page.evaluate("""() => {
        const log = document.getElementById('log');
        const box = document.getElementById('text').getBoundingClientRect();
        const send = document.querySelector('#send button').getBoundingClientRect();
        window.scrollTo(0, 10000);
        return {innerHeight: innerHeight, innerWidth: innerWidth,
                docHeight: document.documentElement.scrollHeight, scrollY: window.scrollY,
                boxTop: box.top, boxBottom: box.bottom, boxLeft: box.left, boxRight: box.right,
                sendRight: send.right, logScroll: log.scrollHeight, logHeight: log.clientHeight,
                logGap: log.scrollHeight - log.scrollTop - log.clientHeight};
    }""")


def sent(page):
    return page.locator("#log .msg.me")


def last_turn(page):
    return page.locator("#log .turn").last


def stored(services, kind: str) -> list[InboundMessage]:
    with UnitOfWork(services.session_factory) as uow:
        return list(uow.session.scalars(select(InboundMessage).where(
            InboundMessage.kind == kind).order_by(InboundMessage.id)))


def test_on_a_phone_the_input_is_in_view_and_only_the_history_scrolls(phone):
    expect(sent(phone)).to_have_count(EARLIER)
    seen = layout(phone)
    assert 0 <= seen["boxTop"] and seen["boxBottom"] <= seen["innerHeight"] == 844
    assert seen["sendRight"] <= seen["innerWidth"] == 390
    assert seen["docHeight"] <= seen["innerHeight"] and seen["scrollY"] == 0
    assert seen["logScroll"] > 2 * seen["logHeight"]        # the history is long, and scrolls
    assert seen["logGap"] <= 1                               # opened at the newest message
    expect(sent(phone).last).to_have_text("帮助")
    expect(sent(phone).last).to_be_in_viewport()
    expect(sent(phone).first).not_to_be_in_viewport()
    expect(phone.locator("#log .msg.bot").last).to_be_in_viewport()
    expect(phone.locator("#text")).to_be_in_viewport()
    assert phone.problems == []


def test_when_the_keyboard_opens_the_input_and_the_newest_message_stay_in_view(phone):
    phone.locator("#text").focus()
    phone.set_viewport_size({"width": 390, "height": 420})   # what resizes-content leaves
    expect(phone.locator("#log .msg.bot").last).to_be_in_viewport()
    expect(phone.locator("#text")).to_be_in_viewport()
    seen = layout(phone)
    assert seen["boxBottom"] <= seen["innerHeight"] == 420
    assert seen["docHeight"] <= seen["innerHeight"] and seen["scrollY"] == 0


def test_enter_sends_on_a_phone_and_the_receipt_appears_under_it(phone, services):
    phone.locator("#text").fill(SUMMARY)
    phone.locator("#text").press("Enter")
    expect(last_turn(phone).locator(".msg.me")).to_have_text(SUMMARY)
    expect(last_turn(phone).locator(".msg.bot")).to_contain_text("2026年3月")
    expect(last_turn(phone).locator(".msg.bot")).to_contain_text(f"文字 {len(SUMMARY)} 字")
    expect(phone.locator("#text")).to_have_value("")
    expect(last_turn(phone).locator(".msg.bot")).to_be_in_viewport()
    assert [m.text for m in stored(services, "text")][-1] == SUMMARY
    seen = layout(phone)
    assert seen["boxBottom"] <= seen["innerHeight"] and seen["docHeight"] <= seen["innerHeight"]


def test_shift_enter_breaks_the_line_and_enter_then_sends_both_lines(phone, services):
    box = phone.locator("#text")
    box.press_sequentially("第一行")
    box.press("Shift+Enter")
    box.press_sequentially("第二行")
    expect(box).to_have_value("第一行\n第二行")
    expect(sent(phone)).to_have_count(EARLIER)
    box.press("Enter")
    expect(last_turn(phone).locator(".msg.me")).to_have_text("第一行\n第二行")
    expect(last_turn(phone).locator(".msg.bot")).to_have_count(1)
    assert [m.text for m in stored(services, "text")][-1] == "第一行\n第二行"


def test_the_enter_that_confirms_an_input_method_candidate_does_not_send(phone):
    box = phone.locator("#text")
    box.focus()
    cdp = phone.context.new_cdp_session(phone)
    enter = {"type": "rawKeyDown", "key": "Enter", "code": "Enter"}
    # Chromium's way: the Enter arrives while composing (isComposing, keyCode 13 here).
    cdp.send("Input.imeSetComposition", {"text": "xiaojie", "selectionStart": 7, "selectionEnd": 7})
    cdp.send("Input.dispatchKeyEvent", {**enter, "windowsVirtualKeyCode": 13})
    cdp.send("Input.insertText", {"text": "小结"})
    # Safari's way: the composition has ended, and the Enter says keyCode 229.
    cdp.send("Input.dispatchKeyEvent", {**enter, "windowsVirtualKeyCode": 229})
    expect(box).to_have_value("小结")
    assert sent(phone).count() == EARLIER            # the key handler runs before CDP answers
    cdp.send("Input.dispatchKeyEvent", {**enter, "windowsVirtualKeyCode": 13})
    expect(last_turn(phone).locator(".msg.me")).to_have_text("小结")
    expect(sent(phone)).to_have_count(EARLIER + 1)


def test_three_photos_chosen_at_once_give_three_receipts_in_order(phone, services):
    names = ["第一张.jpg", "第二张.jpg", "第三张.jpg"]
    phone.locator("#file").set_input_files(
        [{"name": n, "mimeType": "image/jpeg", "buffer": jpeg_bytes(seed=i)}
         for i, n in enumerate(names)])
    turns = phone.locator("#log .turn").filter(has=phone.locator(".msg.me", has_text="［上传］"))
    expect(turns).to_have_count(3)
    for i, name in enumerate(names):
        turn = turns.nth(i)
        expect(turn.locator(".msg.me")).to_have_text(f"［上传］{name}")
        expect(turn.locator(".msg.bot")).to_contain_text(f"图片 {i + 1} 张", timeout=20_000)
    expect(turns.nth(2).locator(".msg.bot")).to_be_in_viewport()
    assert [m.filename for m in stored(services, "photo")] == names
    with UnitOfWork(services.session_factory) as uow:
        photos = uow.session.scalars(select(SummaryItem).where(SummaryItem.kind == "photo"))
        assert len(photos.all()) == 3
    assert phone.problems == []


def test_on_a_desktop_the_composer_is_in_view_under_a_centred_history(desktop, services):
    seen = layout(desktop)
    assert seen["boxBottom"] <= seen["innerHeight"] and seen["docHeight"] <= seen["innerHeight"]
    assert seen["logGap"] <= 1
    assert seen["boxLeft"] > 200 and seen["sendRight"] < 1280 - 200   # not stretched edge to edge
    expect(desktop.locator(".hint")).to_contain_text("Shift+Enter 换行")
    desktop.locator("#text").fill("状态")
    desktop.keyboard.press("Enter")
    expect(last_turn(desktop).locator(".msg.bot")).to_contain_text("截止")
    expect(sent(desktop)).to_have_count(EARLIER + 1)
    assert desktop.problems == []


def test_the_console_page_loads_nothing_inline_and_nothing_from_elsewhere(phone):
    policy = phone.response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = phone.response.text()
    assert "<style" not in html and "<script>" not in html
    assert phone.evaluate("getComputedStyle(document.body).overflow") == "hidden"
    assert phone.problems == []                        # no CSP violation, no request elsewhere
