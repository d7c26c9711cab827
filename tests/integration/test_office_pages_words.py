"""Pages for the office say in words what to do: no `python -m bot …` commands."""
from __future__ import annotations

import re

from bot.app import create_app
from tests.admin_support import make_users, sign_in, small_history

HREF = re.compile(r'href="(/admin/[^"?#]*)"')
NOT_PAGES = ("/admin/files/", "/admin/logout", "/admin/evidence/", "/admin/export",
             "/admin/audit/export")


def test_the_sign_in_page_and_an_empty_board_show_no_commands(services):
    make_users(services)
    client = create_app(services=services).test_client()
    login = client.get("/admin/login").get_data(as_text=True)
    assert "python" not in login and "系统管理员" in login
    sign_in(client)
    board = client.get("/admin/board").get_data(as_text=True)
    assert "还没有单位" in board and "python" not in board and "交给系统管理员导入" in board


def test_no_office_page_shows_a_command(services, dialogue, clock):
    make_users(services)
    small_history(services, dialogue, clock)
    client = create_app(services=services).test_client()
    sign_in(client)
    seen, queue = set(), ["/admin/board"]
    while queue and len(seen) < 80:
        path = queue.pop(0)
        if path in seen or path.startswith(NOT_PAGES):
            continue
        seen.add(path)
        resp = client.get(path)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, path
        assert "python -m" not in html and "python" not in html.lower(), path
        queue += [p for p in HREF.findall(html) if p not in seen]
    assert {"/admin/board", "/admin/facts", "/admin/audit"} <= seen and len(seen) > 8
