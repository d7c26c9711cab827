"""Signing in and out, and the guard that keeps the liaison console for admins in production."""
from __future__ import annotations

from flask import g, jsonify, redirect, render_template, request, session, url_for

from bot.admin.web import bp, load_user, now, safe_next, unit_of_work
from bot.office.accounts import session_mark, sign_in


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; too many failures per name or address are refused for a while."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.admin is not None:
            return redirect(target)
        return render_template("admin/login.html", next=target, error=None, name="")
    name = request.form.get("name", "")
    with unit_of_work() as uow:
        outcome = sign_in(uow.session, name, request.form.get("password", ""),
                          request.remote_addr or "", now())
        uow.commit()
    if outcome.user is None:
        status = 429 if outcome.locked else 401
        return render_template("admin/login.html", next=target, error=outcome.refused,
                               name=name), status
    session.clear()  # a new session on every sign-in: nothing carried over from before
    session.permanent = True
    session["admin_id"] = outcome.user.id
    session["admin_mark"] = session_mark(outcome.user)
    return redirect(target)


@bp.post("/logout")
def logout():
    """Sign out."""
    session.clear()
    return redirect(url_for("admin.login"))


@bp.get("/")
def index():
    return redirect(url_for("admin.board"))


def console_guard():
    """In production only signed-in admins may use /console (a before_request hook)."""
    if request.blueprint != "console":
        return None
    user = load_user()
    if user is not None and user.role == "admin":
        return None
    if request.path.startswith("/console/api/"):
        return jsonify(error="请先以管理员身份登录 /admin，再使用联络员控制台。"), 401 if user is None else 403
    if user is None:
        return redirect(url_for("admin.login", next="/admin/console"))
    return jsonify(error="只读账号不能使用联络员控制台。"), 403


@bp.get("/console")
def console():
    """Where sign-in sends an admin who wanted the liaison console."""
    return redirect("/console")
