"""Every hostile text a liaison can send, on every platform: it is stored once, handled
(never left failed), answered in Chinese, and the bot keeps serving the next liaison."""
from __future__ import annotations

import json

import requests

from tests.conftest import add_unit
from tests.hostile.conftest import CONSOLE_USER, House
from tests.hostile.corpus import SUMMARY, SURROGATE_TEXTS, TEXTS, UNIT_NAMES, has_chinese
from tests.processes import wait_for


def check_stored_and_answered(house: House, name: str, before: tuple[int, int],
                              status: int, reply: str, problems: list[str],
                              parts: int = 1) -> None:
    """One payload's outcome against the rules (`parts`: the messages it should store);
    what breaks them goes into `problems`."""
    messages, _ = house.stored()
    if status != 200:
        problems.append(f"{name}: HTTP {status}")
    elif messages != before[0] + parts:
        problems.append(f"{name}: {messages - before[0]} messages stored, not {parts}")
    elif house.last_message().state == "failed":   # a photo may wait for its download
        problems.append(f"{name}: stored, but its handling failed")
    elif not has_chinese(reply):
        problems.append(f"{name}: the answer is not Chinese: {reply!r}")


def test_every_hostile_text_from_a_wecom_member_is_stored_and_answered_in_chinese(house):
    problems: list[str] = []
    for name, text in TEXTS:
        before = house.stored()
        resp = house.wecom.post("text", Content=text)
        reply = house.wecom.reply(resp) if resp.status_code == 200 and resp.content else ""
        check_stored_and_answered(house, name, before, resp.status_code, reply, problems)
    assert not problems, "\n".join(problems)
    assert house.healthy() and "县委党校" in house.wecom.say(SUMMARY)


def dingtalk_says(house: House, body: bytes) -> tuple[int, str]:
    """POST a signed DingTalk callback; (status, the reply that reached the member)."""
    before = len(house.dingtalk_api.texts_for(house.dingtalk.staff_id))
    resp = house.dingtalk.post(body)
    if resp.status_code != 200:
        return resp.status_code, ""
    got = wait_for(lambda: house.dingtalk_api.texts_for(house.dingtalk.staff_id)[before:])
    return resp.status_code, "\n".join(got)


def test_every_hostile_text_from_a_dingtalk_member_is_stored_and_answered_in_chinese(house):
    problems: list[str] = []
    for name, text in TEXTS + SURROGATE_TEXTS:
        before = house.stored()
        # ensure_ascii: a lone surrogate travels as the escape "\ud800", as JSON encoders send it.
        body = json.dumps(house.dingtalk.text(text)).encode("ascii")
        status, reply = dingtalk_says(house, body)
        check_stored_and_answered(house, name, before, status, reply, problems)
    assert not problems, "\n".join(problems)
    assert house.healthy() and "县委党校" in house.dingtalk.say(SUMMARY)


def test_every_hostile_text_typed_in_the_console_is_stored_and_answered_in_chinese(house):
    problems: list[str] = []
    for name, text in TEXTS + SURROGATE_TEXTS:
        before = house.stored()
        body = json.dumps({"user": CONSOLE_USER, "text": text}).encode("ascii")
        resp = requests.post(f"{house.url}/console/api/messages", data=body, timeout=30,
                             headers={"Content-Type": "application/json"})
        reply = "\n".join(resp.json().get("replies", [])) if resp.status_code == 200 else ""
        check_stored_and_answered(house, name, before, resp.status_code, reply, problems)
    assert not problems, "\n".join(problems)
    history = requests.get(f"{house.url}/console/api/messages", timeout=30,
                           params={"user": CONSOLE_USER})
    assert history.status_code == 200 and len(history.json()["messages"]) == 50


def test_units_named_by_hostile_texts_get_their_receipts(house):
    """Unit names come from the office's import: formula starters, markup, RTL and the like."""
    problems: list[str] = []
    for i, (name, text) in enumerate(UNIT_NAMES):
        unit, user = text, f"hostile-unit-{i}"
        add_unit(house.services, unit, category="department", liaisons=[f"console:{user}"])
        before = house.stored()
        resp = requests.post(f"{house.url}/console/api/messages", timeout=30,
                             json={"user": user, "text": SUMMARY})
        reply = "\n".join(resp.json().get("replies", [])) if resp.status_code == 200 else ""
        check_stored_and_answered(house, name, before, resp.status_code, reply, problems)
        if unit not in reply:
            problems.append(f"{name}: the receipt does not name the unit")
    assert not problems, "\n".join(problems)
