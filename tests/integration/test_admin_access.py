"""Who may reach /admin: sign-in, roles, CSRF, cookies, attempt limits, and the console guard."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.config import ConfigError, build_config
from bot.office.accounts import set_password, user_by_name
from bot.office.keys import KEY_FILE, key_dir, secret_key
from storage.db import UnitOfWork
from storage.models import AuditEntry, LoginAttempt
from tests.admin_support import ADMIN, VIEWER, make_users, post, sign_in, token
from tests.conftest import add_unit

ARGS = {"unit_id": 1, "file_id": 1, "rejected_id": 1, "liaison_id": 1, "story_id": 1,
        "entry_id": 1, "pack_id": 1, "appeal_id": 1,
        "month": "2026-01", "fmt": "xlsx", "year": 2027}


@pytest.fixture
def unit(services):
    make_users(services)
    return add_unit(services, "县委党校", liaisons=["console:dangxiao"])


@pytest.fixture
def app(services, unit):
    return create_app(services=services)


@pytest.fixture
def client(app):
    return app.test_client()


def admin_urls(app, method: str) -> list[str]:
    """Every /admin URL answering `method`, with sample ids."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("admin.") and method in rule.methods:
                urls.append(app.url_for(rule.endpoint, **{a: ARGS[a] for a in rule.arguments}))
    assert len(urls) > 5
    return sorted(set(urls))


def audit_count(services) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditEntry))


def test_without_sign_in_every_admin_page_and_export_redirects_to_the_login(app, client):
    for url in admin_urls(app, "GET"):
        if url.startswith("/admin/login"):
            continue
        resp = client.get(url)
        assert resp.status_code == 302, url
        assert resp.location.startswith("/admin/login"), url


def test_without_sign_in_every_change_is_refused(app, client, services):
    before = audit_count(services)
    for url in admin_urls(app, "POST"):
        if url.startswith("/admin/login"):
            continue
        assert client.post(url, data={"csrf_token": "x"}).status_code == 401, url
    assert audit_count(services) == before


def test_a_viewer_reads_but_every_change_answers_403(app, client, services, unit):
    sign_in(client, VIEWER)
    assert client.get("/admin/board").status_code == 200
    assert "只读" in client.get(f"/admin/units/{unit}").get_data(as_text=True)
    before = audit_count(services)
    for url in admin_urls(app, "POST"):
        if url.startswith(("/admin/login", "/admin/logout")):
            continue
        resp = post(client, url, {"reason": "x", "kind": "waived", "month": "2026-01"})
        assert resp.status_code == 403, url
        assert "没有权限" in resp.get_data(as_text=True)
    assert audit_count(services) == before
    assert client.post("/admin/logout", data={"csrf_token": token(client, "/admin/board")}
                       ).status_code == 302


def test_a_form_without_its_csrf_token_is_refused(app, client, services, unit):
    sign_in(client)
    before = audit_count(services)
    for url in admin_urls(app, "POST"):
        resp = client.post(url, data={"reason": "x", "kind": "waived", "month": "2026-01"})
        assert resp.status_code == 400, url
    resp = client.post(f"/admin/units/{unit}/excuses", data={
        "month": "2026-01", "kind": "waived", "reason": "x", "csrf_token": "forged"})
    assert resp.status_code == 400 and "表单校验失败" in resp.get_data(as_text=True)
    assert audit_count(services) == before
    ok = post(client, f"/admin/units/{unit}/excuses", {"month": "2026-01", "kind": "waived",
                                                 "reason": "停电"})
    assert ok.status_code == 302 and audit_count(services) == before + 1


def test_signing_in_needs_the_csrf_token_too(client):
    resp = client.post("/admin/login", data={"name": ADMIN[0], "password": ADMIN[1]})
    assert resp.status_code == 400
    assert client.get("/admin/board").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site_lax(client):
    resp = sign_in(client)
    assert resp.status_code == 302 and resp.location == "/admin/board"
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("admin_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookies_are_marked_secure(config, clock, unit):
    secure = build_config({"database": {"url": config.database.url},
                           "files": {"dir": config.files.dir},
                           "admin": {"secure_cookies": True}})
    with build_services(secure, clock=clock) as svc:
        client = create_app(services=svc).test_client()
        resp = sign_in(client)
        cookie = next(h for h in resp.headers.getlist("Set-Cookie")
                      if h.startswith("admin_session="))
        assert "Secure" in cookie


def test_five_wrong_passwords_lock_the_name_for_fifteen_minutes(client, clock):
    for _ in range(5):
        resp = client.post("/admin/login", data={"name": ADMIN[0], "password": "wrong",
                                                 "csrf_token": token(client)})
        assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)
    resp = sign_in(client)
    assert resp.status_code == 429 and "失败次数过多" in resp.get_data(as_text=True)
    clock.advance(minutes=16)
    assert sign_in(client).status_code == 302


def test_twenty_failures_from_one_address_lock_it(client, services):
    for n in range(20):
        client.post("/admin/login", data={"name": f"guess{n}", "password": "x",
                                          "csrf_token": token(client)})
    assert sign_in(client).status_code == 429
    other = client.application.test_client()
    resp = other.post("/admin/login", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                      data={"name": ADMIN[0], "password": ADMIN[1],
                            "csrf_token": token(other)})
    assert resp.status_code == 302
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalar(select(func.count()).select_from(LoginAttempt)) == 21


def test_failures_before_a_success_do_not_count_against_the_name(client):
    for _ in range(4):
        client.post("/admin/login", data={"name": ADMIN[0], "password": "wrong",
                                          "csrf_token": token(client)})
    assert sign_in(client).status_code == 302
    client.post("/admin/logout", data={"csrf_token": token(client, "/admin/board")})
    client.post("/admin/login", data={"name": ADMIN[0], "password": "wrong",
                                      "csrf_token": token(client)})
    assert sign_in(client).status_code == 302


def test_after_sign_in_only_pages_inside_admin_are_followed(client):
    resp = client.post("/admin/login", data={
        "name": ADMIN[0], "password": ADMIN[1], "next": "https://evil.example/x",
        "csrf_token": token(client)})
    assert resp.location == "/admin/board"
    client.post("/admin/logout", data={"csrf_token": token(client, "/admin/board")})
    resp = client.post("/admin/login", data={
        "name": ADMIN[0], "password": ADMIN[1], "next": "/admin/audit",
        "csrf_token": token(client)})
    assert resp.location == "/admin/audit"


def test_signing_out_or_a_new_password_ends_the_session(client, services):
    sign_in(client)
    assert client.get("/admin/board").status_code == 200
    client.post("/admin/logout", data={"csrf_token": token(client, "/admin/board")})
    assert client.get("/admin/board").status_code == 302
    sign_in(client)
    with UnitOfWork(services.session_factory) as uow:
        set_password(uow.session, user_by_name(uow.session, ADMIN[0]), "another-password",
                     services.clock.now(), "test")
        uow.commit()
    assert client.get("/admin/board").status_code == 302


def test_pages_forbid_framing_and_outside_resources(client):
    sign_in(client)
    resp = client.get("/admin/board")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"
    assert "http://" not in resp.get_data(as_text=True).replace("http://127.0.0.1", "")


def production(config, **admin):
    return build_config({"database": {"url": config.database.url},
                         "files": {"dir": config.files.dir},
                         "admin": {"demo": False, **admin}})


def test_in_production_the_liaison_console_is_for_signed_in_admins_only(config, clock, unit):
    with build_services(production(config), clock=clock) as svc:
        app = create_app(services=svc)
        anonymous = app.test_client()
        assert anonymous.get("/console").status_code == 302
        assert anonymous.post("/console/api/messages",
                              json={"user": "dangxiao", "text": "状态"}).status_code == 401
        viewer = app.test_client()
        sign_in(viewer, VIEWER)
        assert viewer.post("/console/api/messages",
                           json={"user": "dangxiao", "text": "状态"}).status_code == 403
        admin = app.test_client()
        sign_in(admin)
        assert admin.get("/console").status_code == 200
        resp = admin.post("/console/api/messages", json={"user": "dangxiao", "text": "状态"})
        assert resp.status_code == 200 and resp.json["replies"]


def test_with_the_demo_on_the_console_stays_open(client):
    assert client.get("/console").status_code == 200


def test_a_generated_secret_key_is_kept_and_shared(config, services):
    path = key_dir(config) / KEY_FILE
    path.unlink(missing_ok=True)
    first = create_app(services=services).secret_key
    assert path.exists() and oct(path.stat().st_mode)[-3:] == "600"
    assert create_app(services=services).secret_key == first and len(first) == 64


def test_a_configured_secret_key_wins_and_a_short_one_stops_start_up(config):
    given = "k" * 32
    chosen = build_config({"database": {"url": config.database.url}},
                          environ={"BOT_ADMIN_SECRET_KEY": given})
    assert secret_key(chosen) == given
    with pytest.raises(ConfigError, match=r"admin\.secret_key"):
        build_config({"admin": {"secret_key": "short"}})


def test_attempts_are_kept_a_week_then_pruned_on_a_success(client, services, clock):
    client.post("/admin/login", data={"name": "nobody", "password": "x",
                                      "csrf_token": token(client)})
    clock.advance(days=8)
    sign_in(client)
    with UnitOfWork(services.session_factory) as uow:
        rows = uow.session.scalars(select(LoginAttempt)).all()
    assert [(r.name, r.ok, r.at) for r in rows] == [(ADMIN[0], True, clock.now())]
