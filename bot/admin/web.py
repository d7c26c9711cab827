"""The /admin blueprint and what every page shares: who is signed in, roles, CSRF, headers."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError

from bot.memo import Memo
from bot.office.grid import minute
from bot.office.accounts import ROLE_WORDS, session_mark
from bot.people import words_of
from bot.rules import Rules, category_titles
from bot.web_headers import harden
from scoring import local, missing_arrangements
from scoring.numbers import fmt
from scoring.words import STATUS_LABELS
from storage.db import UnitOfWork
from storage.models import AdminUser

bp = Blueprint("admin", __name__, url_prefix="/admin")

OPEN_ENDPOINTS = {"admin.login"}            # reachable without signing in
VIEWER_POSTS = {"admin.logout"}             # the only change a viewer may make


def services():
    """The app's composition root."""
    return current_app.extensions["bot"]


def now() -> datetime:
    """The current instant from the app's clock."""
    return services().clock.now()


def rules() -> Rules:
    """The deployment's rules, with the office's holiday arrangements, as the request began."""
    return g.rules


def memo() -> Memo:
    """What the pages computed, kept under what it was computed from (bot.memo)."""
    return services().memo


def unit_of_work() -> UnitOfWork:
    """A fresh transaction on the app's database."""
    return UnitOfWork(services().session_factory)


def actor() -> str:
    """The audit log's name for the signed-in office user."""
    return f"admin:{g.admin.name}"


def load_user() -> AdminUser | None:
    """The signed-in account, or None (unknown, deactivated, or its password changed)."""
    user_id = session.get("admin_id")
    if user_id is None:
        return None
    with unit_of_work() as uow:
        user = uow.session.get(AdminUser, user_id)
    if user is None or not user.active or session.get("admin_mark") != session_mark(user):
        session.clear()
        return None
    return user


def safe_next(target: str | None) -> str:
    """A redirect target inside /admin only: a local path, never another site, and
    nothing (CR, LF, a backslash) that a Location header or a browser reads otherwise."""
    if target and target.isprintable() and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/admin"):
            return target
    return url_for("admin.board")


@bp.before_request
def refuse_nul():
    """A NUL in a query or form value is refused (PostgreSQL takes none in text)."""
    for values in (request.args, request.form):
        if any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
            return error_page(400, "请求有误", "请求中含有不允许的字符（NUL），请检查后重新提交。")
    return None


@bp.before_request
def guard():
    """Sign-in first, then the role, then the CSRF token of every form sent."""
    g.admin = load_user()
    g.rules = services().conversation.rules  # here, before any page opens a transaction
    if request.endpoint in OPEN_ENDPOINTS:
        if request.method == "POST":
            current_app.extensions["csrf"].protect()
        return None
    if g.admin is None:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
        abort(401)
    if request.method not in ("GET", "HEAD"):
        if g.admin.role != "admin" and request.endpoint not in VIEWER_POSTS:
            abort(403)
        current_app.extensions["csrf"].protect()
    return None


@bp.after_request
def headers(response):
    """No framing, no sniffing, nothing loaded from elsewhere, nothing cached by proxies."""
    response.headers.setdefault("Cache-Control", "no-store")
    return harden(response)


@bp.app_context_processor
def shared():
    """What every admin template may use."""
    user = g.get("admin")
    titles = category_titles(g.rules.rubric) if "rules" in g else {}
    return {"me": user, "can_edit": bool(user and user.role == "admin"),
            "role_words": ROLE_WORDS, "category_titles": titles,
            "status_words": STATUS_LABELS, "calendar_missing": calendar_missing()}


def calendar_missing() -> list[int]:
    """The years whose 放假调休安排 is due and unknown (next year's from 1 November)."""
    if g.get("admin") is None or g.get("rules") is None:
        return []
    return missing_arrangements(local(now()).date(), g.rules.deadline.calendar)


@bp.app_template_filter("clock")
def clock_filter(t: datetime | None) -> str:
    """An instant as local time to the second (in UTC at the very end of the calendar)."""
    if not t:
        return ""
    try:
        return local(t).strftime("%Y-%m-%d %H:%M:%S")
    except OverflowError:   # a platform's send time of 9999-12-31: no local year 10000
        return t.strftime("%Y-%m-%d %H:%M:%S UTC")


@bp.app_template_filter("liaison")
def liaison_filter(liaison) -> str:
    """A liaison record as people read it (bot.people: name, else platform name, else id)."""
    return words_of(liaison)


@bp.app_template_filter("points")
def points_filter(value: Decimal | None) -> str:
    """A score, total or percentage as people read it: 64.22, 20, 1.5 (blank for none)."""
    return "" if value is None else fmt(value)


bp.add_app_template_filter(minute, "minute")   # local month-day and minute


def error_page(status: int, title: str, message: str):
    return render_template("admin/error.html", title=title, message=message), status


@bp.errorhandler(401)
def unauthorized(_exc):
    return error_page(401, "请先登录", "这个操作需要先登录。")


@bp.errorhandler(403)
def forbidden(_exc):
    return error_page(403, "没有权限", "只读账号只能查看，不能修改。需要修改请联系管理员。")


@bp.errorhandler(404)
def missing(_exc):
    return error_page(404, "找不到", "没有这个页面，或要找的记录不存在。")


@bp.errorhandler(413)
def too_large(_exc):
    mb = services().config.server.max_upload_mb
    return error_page(413, "文件太大", f"上传的内容不能超过 {mb}MB，请压缩或拆分后重新上传。")


@bp.errorhandler(CSRFError)
def bad_token(_exc):
    return error_page(400, "表单已失效", "表单校验失败（可能已过期或来自别的网站），请刷新页面后重新提交。")


def flash_error(message: str) -> None:
    """Keep a problem to show on the next page."""
    flash(message, "error")


def flash_ok(message: str) -> None:
    """Keep a success note to show on the next page."""
    flash(message, "ok")
